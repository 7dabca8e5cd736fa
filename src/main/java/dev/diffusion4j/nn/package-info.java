/**
 * The module system and the layers every model shares: {@link dev.diffusion4j.nn.Module} trees whose field names are
 * the checkpoint keys, strict loading from a {@link dev.diffusion4j.nn.WeightSource} (the one place a key map, a LoRA
 * merge or a dtype change is applied), parameter patching with exact restore ({@link dev.diffusion4j.nn.Model#patch}),
 * {@code Linear}/{@code Conv2d}/norms/{@code Embedding}, and the blocks both the UNet and the VAE are built from
 * ({@code ResnetBlock2D}, {@code Downsample2D}, {@code Upsample2D}). It may import {@code io} and {@code tensor}.
 */
package dev.diffusion4j.nn;
