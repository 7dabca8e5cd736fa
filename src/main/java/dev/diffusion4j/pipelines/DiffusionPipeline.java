package dev.diffusion4j.pipelines;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.diffusion4j.random.TorchGenerator;
import dev.diffusion4j.schedulers.Scheduler;
import dev.diffusion4j.tensor.Engines;
import dev.diffusion4j.tensor.Ops;
import dev.diffusion4j.tensor.Tensors;
import java.util.List;
import java.util.concurrent.CancellationException;

/**
 * The steps diffusers' Stable Diffusion pipelines share: prompt encoding with classifier-free guidance, the
 * denoising loop, and VAE decoding. TextToImage and ImageToImage differ only in how they prepare the latents.
 */
abstract class DiffusionPipeline {

    final StableDiffusion model;

    DiffusionPipeline(StableDiffusion model) {
        this.model = model;
    }

    /** The initial latents and the timesteps to run, drawing from {@code generator} in diffusers' order. */
    record Start(NDArray latents, float[] timesteps) {}

    abstract Start prepare(NDManager m, GenerationRequest r, Scheduler scheduler, TorchGenerator generator, int w, int h);

    final GenerationResult generate(GenerationRequest r, GenerationListener listener) {
        Engines.inferenceThread();
        long seed = r.seed() >= 0 ? r.seed() : new java.security.SecureRandom().nextLong() & Long.MAX_VALUE;
        int width = r.width() > 0 ? r.width() : r.initImage() != null ? r.initImage().getWidth() : model.nativeSize();
        int height = r.height() > 0 ? r.height() : r.initImage() != null ? r.initImage().getHeight() : model.nativeSize();
        int f = model.vaeScaleFactor();
        if (width % f != 0 || height % f != 0) {
            throw new IllegalArgumentException("size " + width + "x" + height + " must be a multiple of " + f);
        }
        try (NDManager m = NDManager.newBaseManager()) {
            // 1. encode the prompt: [uncond..., cond...] when guiding
            NDArray embeds;
            try (NDScope s = new NDScope()) {
                embeds = encodePrompt(m, r);
                NDScope.unregister(embeds);
            }
            model.doneWithTextEncoder();
            // 2. timesteps and 3. latents (model-specific)
            NDArray latents;
            try (Scheduler scheduler = model.scheduler(r)) {
                scheduler.setTimesteps(r.steps());
                TorchGenerator generator = new TorchGenerator(seed);
                Start start = prepare(m, r, scheduler, generator, width, height);
                // 4. denoise
                latents = denoise(m, r, scheduler, generator, start, embeds, listener);
            }
            model.doneWithUnet();
            // 5. decode
            float[] pixels;
            try (NDScope s = new NDScope()) {
                NDArray decoded = model.vae().decode(latents.div(model.vae().config().scalingFactor()));
                pixels = ImageProcessor.toPixels(decoded);
            }
            int b = r.batchSize();
            return new GenerationResult(ImageProcessor.toImages(pixels, b, height, width), seed, pixels, width, height,
                    model.samplerDisplayName(r));
        }
    }

    /** Prompt embeddings (B·n, 77, D), with the unconditional ones first when guiding. */
    NDArray encodePrompt(NDManager m, GenerationRequest r) {
        NDArray cond = repeat(encode(m, r.prompts(), r.clipSkip()), r.imagesPerPrompt());
        if (!r.doClassifierFreeGuidance()) {
            return cond;
        }
        List<String> negative = r.negativePrompts().isEmpty()
                ? java.util.Collections.nCopies(r.prompts().size(), "") : r.negativePrompts();
        NDArray uncond = repeat(encode(m, negative, r.clipSkip()), r.imagesPerPrompt());
        return Ops.cat(0, uncond, cond);
    }

    private NDArray encode(NDManager m, List<String> prompts, int clipSkip) {
        int len = model.tokenizer().maxLength();
        long[] ids = new long[prompts.size() * len];
        for (int i = 0; i < prompts.size(); i++) {
            System.arraycopy(model.tokenizer().inputIds(prompts.get(i)), 0, ids, i * len, len);
        }
        NDArray input = Tensors.of(m, ids, new Shape(prompts.size(), len));
        return model.textEncoder().forward(input, clipSkip).lastHiddenState();
    }

    /** Each prompt's embedding {@code n} times in a row (diffusers' repeat + view). */
    private static NDArray repeat(NDArray e, int n) {
        if (n == 1) {
            return e;
        }
        Shape s = e.getShape();
        return e.expandDims(1).broadcast(s.get(0), n, s.get(1), s.get(2)).reshape(s.get(0) * n, s.get(1), s.get(2));
    }

    /**
     * Lin et al. 2023, eq. 15-16 (diffusers' {@code rescale_noise_cfg}): scale the guided prediction to the standard
     * deviation of the conditional one, per image, then mix φ of that with 1 − φ of the guided one. Standard
     * deviations are torch's default, with Bessel's correction.
     */
    static NDArray rescaleGuidance(NDArray guided, NDArray cond, float phi) {
        NDArray ratio = std(cond).div(std(guided));
        return guided.mul(ratio.mul(phi).add(1 - phi));
    }

    /** Per-image standard deviation, shaped (B, 1, 1, 1) to broadcast against the image batch. */
    private static NDArray std(NDArray x) {
        Shape s = x.getShape();
        NDArray flat = x.reshape(s.get(0), -1);
        NDArray centred = flat.sub(flat.mean(new int[] {1}, true));
        return centred.square().sum(new int[] {1}).div(flat.getShape().get(1) - 1).sqrt().reshape(s.get(0), 1, 1, 1);
    }

    private NDArray denoise(NDManager m, GenerationRequest r, Scheduler scheduler, TorchGenerator generator,
                            Start start, NDArray embeds, GenerationListener listener) {
        NDArray latents = start.latents();
        boolean cfg = r.doClassifierFreeGuidance();
        float[] ts = start.timesteps();
        for (int i = 0; i < ts.length; i++) {
            if (listener.isCancelled()) {
                throw new CancellationException("generation cancelled at step " + i + " of " + ts.length);
            }
            float t = ts[i];
            try (NDScope s = new NDScope()) {
                NDArray input = cfg ? Ops.cat(0, latents, latents) : latents;
                input = scheduler.scaleModelInput(input, t);
                NDArray output = model.unet().forward(input, Tensors.scalar(m, t), embeds);
                NDArray noise = output;
                if (cfg) {
                    NDList parts = output.split(2, 0);
                    NDArray uncond = parts.get(0);
                    noise = uncond.add(parts.get(1).sub(uncond).mul((float) r.guidanceScale()));
                    if (r.guidanceRescale() > 0) {
                        noise = rescaleGuidance(noise, parts.get(1), (float) r.guidanceRescale());
                    }
                }
                NDArray next = scheduler.step(noise, t, latents, generator).prevSample();
                listener.onStep(new GenerationListener.Step(i, ts.length, t, next, output));
                NDScope.unregister(next);
                latents.close();
                latents = next;
            }
        }
        return latents;
    }
}
