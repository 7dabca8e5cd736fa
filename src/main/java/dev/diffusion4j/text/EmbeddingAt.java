package dev.diffusion4j.text;

import java.util.Objects;

/**
 * Where a textual-inversion embedding goes in a {@link PromptChunk}: its {@code vectors} vectors replace the token
 * embeddings at {@code position .. position + vectors - 1} of the chunk's 77 tokens (BOS is position 0, so this is
 * A1111's {@code PromptChunkFix.offset + 1}). Like A1111's {@code EmbeddingsWithFixes}, a caller writes
 * {@code min(vectors, 77 - position)} of them: only an embedding left behind by the comma back-off (see
 * {@link PromptChunker}) can reach the end, and then it may cover the final EOS.
 */
public record EmbeddingAt(int position, String name, int vectors) {

    public EmbeddingAt {
        Objects.requireNonNull(name, "name");
        if (position < 1 || vectors < 1) {
            throw new IllegalArgumentException("embedding " + name + ": position " + position + ", vectors "
                    + vectors + " (need position >= 1 and vectors >= 1)");
        }
    }
}
