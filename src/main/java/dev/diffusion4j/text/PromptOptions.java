package dev.diffusion4j.text;

import java.util.Objects;

/**
 * How a {@link Conditioner} reads and encodes prompts; a value, so encodings can be cached by it.
 *
 * @param clipSkip 0 = the encoder's last layer, k = k layers before it (diffusers' numbering; A1111's "Clip skip"
 *     is k + 1)
 * @param embeddings the textual-inversion embeddings a prompt word can trigger
 */
public record PromptOptions(int clipSkip, PromptSyntax syntax, TextualInversions embeddings) {

    public PromptOptions {
        if (clipSkip < 0) {
            throw new IllegalArgumentException("clip skip must be >= 0, got " + clipSkip);
        }
        Objects.requireNonNull(syntax, "syntax");
        Objects.requireNonNull(embeddings, "embeddings");
    }

    /** diffusers' behaviour: literal prompts cut at 77 tokens, no embeddings. */
    public static PromptOptions plain(int clipSkip) {
        return new PromptOptions(clipSkip, PromptSyntax.PLAIN, TextualInversions.NONE);
    }
}
