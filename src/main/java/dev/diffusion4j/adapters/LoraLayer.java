package dev.diffusion4j.adapters;

/**
 * One low-rank update as stored in a file: the weight it changes and the keys of its factors.
 *
 * @param part the diffusers folder of the model it patches ("unet", "text_encoder", "text_encoder_2")
 * @param module the module's name: dotted as in the model ({@code down_blocks.0.attentions.0...to_q}) when
 *     {@code underscored} is false, else kohya's form with every dot an underscore, resolved by {@link LoraTargets}
 * @param down the (rank, in[, kh, kw]) factor's key
 * @param up the (out, rank[, 1, 1]) factor's key
 * @param alpha the key of the scalar alpha, or null (scale 1: the file folded alpha/rank into {@code up})
 */
record LoraLayer(String part, String module, boolean underscored, String down, String up, String alpha) {}
