package dev.diffusion4j.text;

import ai.djl.ndarray.NDArray;

/**
 * What a {@link Conditioner} hands the UNet for a batch of prompts.
 *
 * @param context (B, T, C) cross-attention context, T a multiple of 77 (one block of 77 positions per prompt chunk)
 * @param pooled (B, P) pooled text embedding for UNets with added conditioning (SDXL's {@code text_embeds}), or null
 */
public record Conditioning(NDArray context, NDArray pooled) {}
