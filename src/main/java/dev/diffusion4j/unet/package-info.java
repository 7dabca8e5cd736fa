/**
 * diffusers' {@code UNet2DConditionModel} and its blocks, named as diffusers names them ({@code DownBlock2D},
 * {@code CrossAttnDownBlock2D}, {@code UNetMidBlock2DCrossAttn}, {@code Transformer2DModel},
 * {@code BasicTransformerBlock}, {@code Attention}), with field names equal to the checkpoint keys, and its config
 * record with diffusers' defaults and quirks. It may import {@code nn}, {@code io} and {@code tensor}.
 */
package dev.diffusion4j.unet;
