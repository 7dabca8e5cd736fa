/**
 * Training latent-diffusion models from scratch: the VAE trainer, the diffusion trainer (ε or v-prediction, zero
 * terminal SNR, CLIP's contrastive loss on the text encoder), AdamW, EMA, checkpoints and export as a diffusers
 * folder, latent caching and the data sources (image folders, the shapes world via {@code ShapesData}). It may import
 * {@code shapes}, {@code text}, {@code unet}, {@code vae}, {@code schedulers}, {@code random}, {@code nn}, {@code io},
 * {@code tensor}; never {@code pipelines} or {@code eval}.
 */
package dev.diffusion4j.train;
