package dev.diffusion4j.text;

import java.util.Arrays;
import java.util.List;

/**
 * One 77-token piece of a prompt as A1111 encodes it ({@code sd_hijack_clip.PromptChunk}): {@code tokens} is
 * {@code [BOS, 75 tokens padded with EOS, EOS]}, {@code multipliers} the attention weight of each position (1.0 at
 * BOS, EOS and padding), {@code embeddings} where textual-inversion vectors replace token embeddings (their
 * placeholder token id is 0). The arrays are copied in and out.
 */
public record PromptChunk(long[] tokens, double[] multipliers, List<EmbeddingAt> embeddings) {

    public PromptChunk {
        if (tokens.length != multipliers.length) {
            throw new IllegalArgumentException("chunk has " + tokens.length + " tokens but " + multipliers.length
                    + " multipliers");
        }
        tokens = tokens.clone();
        multipliers = multipliers.clone();
        embeddings = List.copyOf(embeddings);
    }

    @Override
    public long[] tokens() {
        return tokens.clone();
    }

    @Override
    public double[] multipliers() {
        return multipliers.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PromptChunk c && Arrays.equals(tokens, c.tokens)
                && Arrays.equals(multipliers, c.multipliers) && embeddings.equals(c.embeddings);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(tokens) + Arrays.hashCode(multipliers)) + embeddings.hashCode();
    }

    @Override
    public String toString() {
        return "PromptChunk[tokens=" + Arrays.toString(tokens) + ", multipliers=" + Arrays.toString(multipliers)
                + ", embeddings=" + embeddings + "]";
    }
}
