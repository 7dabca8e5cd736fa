/**
 * Generation: {@link dev.diffusion4j.pipelines.StableDiffusion} holds a loaded model's parts; the pipelines
 * ({@code TextToImage}, {@code ImageToImage}) follow diffusers' {@code __call__} step by step, choose the scheduler,
 * apply classifier-free guidance, decide when a one-shot run frees a part, and name the sampler in the infotext.
 * {@link dev.diffusion4j.pipelines.GenerationRequest} holds and validates every parameter before anything loads. It
 * may import {@code models}, {@code text},
 * {@code adapters} (LoRAs, switched per request), {@code unet}, {@code vae}, {@code schedulers}, {@code random},
 * {@code nn}, {@code io}, {@code tensor}; {@code cli} (and the server) build on it.
 */
package dev.diffusion4j.pipelines;
