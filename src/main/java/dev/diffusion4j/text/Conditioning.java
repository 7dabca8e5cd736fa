package dev.diffusion4j.text;

import ai.djl.ndarray.NDArray;
import java.util.List;

/**
 * What a {@link Conditioner} hands the UNet for a batch of prompts.
 *
 * @param context (B, T, C) cross-attention context, T a multiple of 77 (one block of 77 positions per prompt chunk)
 * @param pooled (B, P) pooled text embedding for UNets with added conditioning (SDXL's {@code text_embeds}), or null
 * @param embeddingsUsed the textual-inversion embeddings the prompts triggered, in prompt order, each once
 */
public record Conditioning(NDArray context, NDArray pooled, List<TextualInversion> embeddingsUsed) {

    public Conditioning {
        embeddingsUsed = List.copyOf(embeddingsUsed);
    }

    /** Conditioning that used no embeddings. */
    public Conditioning(NDArray context, NDArray pooled) {
        this(context, pooled, List.of());
    }
}
