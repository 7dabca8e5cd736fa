package dev.diffusion4j.pipelines;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.diffusion4j.random.TorchGenerator;
import dev.diffusion4j.schedulers.Samplers;
import dev.diffusion4j.schedulers.Scheduler;
import dev.diffusion4j.tensor.Engines;
import dev.diffusion4j.tensor.Ops;
import dev.diffusion4j.tensor.Tensors;
import dev.diffusion4j.vae.VaeImageProcessor;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

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

    final GenerationResult generate(GenerationRequest request, GenerationListener listener) {
        Engines.inferenceThread();
        GenerationRequest r = request.resolve(model.nativeSize(), model.vaeScaleFactor());
        long seed = r.seed();
        int width = r.width();
        int height = r.height();
        try (NDManager m = NDManager.newBaseManager()) {
            // 1. encode the prompt: [uncond..., cond...] when guiding
            NDArray embeds;
            try (NDScope s = new NDScope()) {
                embeds = encodePrompt(m, r);
                NDScope.unregister(embeds);
            }
            if (model.options().freeParamsImmediately()) {
                model.freeConditioner();
            }
            // 2. timesteps and 3. latents (model-specific)
            NDArray latents;
            try (Scheduler scheduler = scheduler(r)) {
                scheduler.setTimesteps(r.steps());
                TorchGenerator generator = new TorchGenerator(seed);
                Start start = prepare(m, r, scheduler, generator, width, height);
                // 4. denoise
                latents = denoise(m, r, scheduler, generator, start, embeds, listener);
            }
            if (model.options().freeParamsImmediately()) {
                model.freeUnet();
            }
            // 5. decode
            float[] pixels;
            try (NDScope s = new NDScope()) {
                NDArray decoded = model.vae().decode(latents.div(model.vae().config().scalingFactor()),
                        model.options().vaeTiling());
                pixels = VaeImageProcessor.toPixels(decoded);
            }
            int b = r.batchSize();
            return new GenerationResult(VaeImageProcessor.toImages(pixels, b, height, width), seed, pixels, width, height,
                    samplerDisplayName(r));
        }
    }

    /** The scheduler a request asks for, built from the model's scheduler config as diffusers' from_config. */
    Scheduler scheduler(GenerationRequest request) {
        return request.sampler() == null ? Samplers.fromConfig(model.schedulerConfig())
                : request.sampler().create(model.schedulerConfig());
    }

    /** A1111's name of the sampler a request runs ("Euler a", "DPM++ 2M Karras", ...). */
    String samplerDisplayName(GenerationRequest request) {
        return request.sampler() != null ? request.sampler().displayName()
                : Samplers.displayName(model.schedulerConfig());
    }

    /** Prompt embeddings (B·n, 77, D), with the unconditional ones first when guiding. */
    NDArray encodePrompt(NDManager m, GenerationRequest r) {
        NDArray cond = repeat(encode(m, r.prompts(), r.clipSkip()), r.imagesPerPrompt());
        if (!r.doClassifierFreeGuidance()) {
            return cond;
        }
        List<String> negative = r.negativePrompts().isEmpty()
                ? Collections.nCopies(r.prompts().size(), "") : r.negativePrompts();
        NDArray uncond = repeat(encode(m, negative, r.clipSkip()), r.imagesPerPrompt());
        return Ops.cat(0, uncond, cond);
    }

    private NDArray encode(NDManager m, List<String> prompts, int clipSkip) {
        return model.conditioner().encode(m, prompts, clipSkip).context();
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

    /**
     * Whether guided steps run the unconditional and conditional halves as two batch-B UNet calls on two threads
     * instead of one batch-2B call: worth it when libtorch runs each op on one thread (tiny latents, where more
     * intra-op threads only add overhead) and a second core is idle. The built-in model's 64×64 step: 49 → 25 ms.
     * Null: decide from the engine's threads and the cores; {@code -Dd4j.splitGuidance=true|false} or a test forces
     * either way.
     */
    static volatile Boolean splitGuidance = System.getProperty("d4j.splitGuidance") == null ? null
            : Boolean.getBoolean("d4j.splitGuidance");

    private static boolean splitGuidance() {
        Boolean forced = splitGuidance;
        return forced != null ? forced
                : Engines.intraOpThreads() == 1 && Runtime.getRuntime().availableProcessors() >= 2;
    }

    /** The second thread of split guidance: a daemon with autograd off, shared by every generation. */
    private static final class GuidanceThread {
        static final ExecutorService EXECUTOR = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(() -> {
                Engines.inferenceThread();
                r.run();
            }, "d4j-guidance");
            t.setDaemon(true);
            return t;
        });
    }

    private NDArray denoise(NDManager m, GenerationRequest r, Scheduler scheduler, TorchGenerator generator,
                            Start start, NDArray embeds, GenerationListener listener) {
        NDArray latents = start.latents();
        boolean cfg = r.doClassifierFreeGuidance();
        boolean split = cfg && splitGuidance();
        NDList halves = split ? embeds.split(2, 0) : null;
        float[] ts = start.timesteps();
        for (int i = 0; i < ts.length; i++) {
            if (listener.isCancelled()) {
                throw new CancellationException("generation cancelled at step " + i + " of " + ts.length);
            }
            float t = ts[i];
            try (NDScope s = new NDScope()) {
                NDArray tt = Tensors.scalar(m, t);
                NDArray output;
                NDArray noise;
                if (split) {
                    NDArray input = scheduler.scaleModelInput(latents, t);
                    Future<NDArray> uncondCall = GuidanceThread.EXECUTOR.submit(() -> {
                        try (NDScope worker = new NDScope()) {
                            NDArray out = model.unet().forward(input, tt, halves.get(0));
                            NDScope.unregister(out);
                            return out;
                        }
                    });
                    NDArray cond;
                    try {
                        cond = model.unet().forward(input, tt, halves.get(1));
                    } catch (RuntimeException | Error e) {
                        // the other call reads this scope's arrays: let it finish before they are freed
                        try {
                            await(uncondCall).close();
                        } catch (RuntimeException | Error other) {
                            e.addSuppressed(other);
                        }
                        throw e;
                    }
                    NDArray uncond = await(uncondCall);
                    NDScope.register(uncond);
                    output = Ops.cat(0, uncond, cond);
                    noise = guide(r, uncond, cond);
                } else {
                    NDArray input = scheduler.scaleModelInput(cfg ? Ops.cat(0, latents, latents) : latents, t);
                    output = model.unet().forward(input, tt, embeds);
                    if (cfg) {
                        NDList parts = output.split(2, 0);
                        noise = guide(r, parts.get(0), parts.get(1));
                    } else {
                        noise = output;
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

    /** Classifier-free guidance (Ho &amp; Salimans 2022): uncond + s·(cond − uncond), then the optional rescale. */
    private static NDArray guide(GenerationRequest r, NDArray uncond, NDArray cond) {
        NDArray noise = uncond.add(cond.sub(uncond).mul((float) r.guidanceScale()));
        return r.guidanceRescale() > 0 ? rescaleGuidance(noise, cond, (float) r.guidanceRescale()) : noise;
    }

    private static NDArray await(Future<NDArray> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted while the unconditional UNet call ran");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) throw re;
            if (e.getCause() instanceof Error err) throw err;
            throw new IllegalStateException(e.getCause());
        }
    }
}
