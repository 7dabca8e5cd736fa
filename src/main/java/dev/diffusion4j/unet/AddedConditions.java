package dev.diffusion4j.unet;

import ai.djl.ndarray.NDArray;

/**
 * diffusers' {@code added_cond_kwargs}: conditioning beside the cross-attention context, added to the timestep
 * embedding by UNets with an {@code addition_embed_type} (SDXL's "text_time").
 *
 * @param textEmbeds (B, P) pooled text embedding
 * @param timeIds (B, 6) original size, crop top-left and target size, each (height, width) / (top, left)
 */
public record AddedConditions(NDArray textEmbeds, NDArray timeIds) {}
