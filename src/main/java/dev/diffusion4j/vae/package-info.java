/**
 * diffusers' {@code AutoencoderKL}: encoder, decoder, the diagonal Gaussian posterior, the mid-block attention, and
 * {@link dev.diffusion4j.vae.VaeImageProcessor} (images to the VAE's [-1, 1] tensors and back, as diffusers'
 * {@code VaeImageProcessor}). It may import {@code nn}, {@code io} and {@code tensor}; not {@code unet} (the shared
 * resnet and sampling blocks live in {@code nn}).
 */
package dev.diffusion4j.vae;
