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
import dev.diffusion4j.text.Conditioning;
import dev.diffusion4j.text.PromptOptions;
import dev.diffusion4j.text.TextualInversion;
import dev.diffusion4j.text.TextualInversions;
import dev.diffusion4j.unet.AddedConditions;
import dev.diffusion4j.vae.VaeImageProcessor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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

    /** The UNet's input from the scaled latents (batch B, or 2B when guiding): inpainting UNets take more channels. */
    NDArray unetInput(NDArray scaledLatents) {
        return scaledLatents;
    }

    /** The latents after step {@code i} of {@code timesteps}: inpainting with a plain UNet resets the kept area. */
    NDArray afterStep(NDArray latents, int i, float[] timesteps) {
        return latents;
    }

    final GenerationResult generate(GenerationRequest request, GenerationListener listener) {
        Engines.inferenceThread();
        GenerationRequest r = request.resolve(model.nativeSize(), model.vaeScaleFactor());
        long seed = r.seed();
        int width = r.width();
        int height = r.height();
        Map<String, String> parameters = new LinkedHashMap<>();
        try (NDManager m = NDManager.newBaseManager()) {
            // 0. merge the request's LoRAs (restoring the loaded weights first when they change)
            Map<String, String> loraHashes = useLoras(r);
            // 1. encode the prompt: [uncond..., cond...] when guiding, with SDXL's added conditions beside it
            PromptEmbeds embeds;
            try (NDScope s = new NDScope()) {
                embeds = encodePrompt(m, r);
                for (NDArray a : new NDArray[] {embeds.uncond(), embeds.cond(), embeds.uncondPooled(),
                        embeds.condPooled()}) {
                    if (a != null) {
                        NDScope.unregister(a);
                    }
                }
            }
            AddedConditions added = addedConditions(m, r, embeds.joinedPooled());
            if (!embeds.embeddingsUsed().isEmpty()) {
                parameters.put("TI hashes", hashes(embeds.embeddingsUsed()));
            }
            if (!loraHashes.isEmpty()) {
                parameters.put("Lora hashes", hashes(loraHashes));
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
                latents = denoise(m, r, scheduler, generator, start, embeds, added, listener);
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
                    samplerDisplayName(r), parameters);
        }
    }

    private Map<String, String> useLoras(GenerationRequest r) {
        try {
            return model.useLoras(r.allLoras());
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }

    /** A1111's hash list: "name: hash, name: hash", with colons and commas taken out of the names. */
    private static String hashes(Map<String, String> byName) {
        List<String> items = byName.entrySet().stream()
                .map(e -> e.getKey().replace(":", "").replace(",", "") + ": " + e.getValue()).toList();
        return String.join(", ", items);
    }

    private static String hashes(List<TextualInversion> used) {
        Map<String, String> byName = new LinkedHashMap<>();
        used.forEach(e -> byName.put(e.name(), e.shortHash()));
        return hashes(byName);
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

    /**
     * Prompt embeddings (B·n, 77·k, D) and, when guiding, the unconditional ones, which may have another number of
     * chunks k under A1111 syntax; SDXL's pooled embeddings beside them (else null); the embeddings the prompts used,
     * positive first.
     */
    record PromptEmbeds(NDArray uncond, NDArray cond, NDArray uncondPooled, NDArray condPooled,
                        List<TextualInversion> embeddingsUsed) {
        /** Whether one UNet call can take both halves as one batch. */
        boolean sameLength() {
            return uncond == null || uncond.getShape().get(1) == cond.getShape().get(1);
        }

        /** [uncond..., cond...] (or cond alone without guidance); both must have the same length. */
        NDArray joined() {
            return uncond == null ? cond : Ops.cat(0, uncond, cond);
        }

        /** The pooled embeddings in the batch's order, or null for conditioners without them. */
        NDArray joinedPooled() {
            return condPooled == null ? null : uncondPooled == null ? condPooled : Ops.cat(0, uncondPooled, condPooled);
        }
    }

    /**
     * Without a negative prompt the conditioner decides what unconditional means (the empty prompt, or SDXL's zeros);
     * a second negative prompt alone pairs with an empty first one.
     */
    PromptEmbeds encodePrompt(NDManager m, GenerationRequest r) {
        PromptOptions options = new PromptOptions(r.clipSkip(), r.promptSyntax(), embeddings(r));
        SdxlConditions xl = r.sdxl();
        Set<TextualInversion> used = new LinkedHashSet<>();
        Conditioning c = model.conditioner().encode(m, PromptLoras.strip(r.prompts(), r.promptSyntax()),
                orNull(xl.prompts2()), options);
        used.addAll(c.embeddingsUsed());
        Conditioning cond = repeat(c, r.imagesPerPrompt());
        if (!r.doClassifierFreeGuidance()) {
            return new PromptEmbeds(null, cond.context(), null, cond.pooled(), List.copyOf(used));
        }
        Conditioning u;
        if (r.negativePrompts().isEmpty() && xl.negativePrompts2().isEmpty()) {
            u = model.conditioner().unconditional(m, c, options);
        } else {
            List<String> negative = r.negativePrompts().isEmpty()
                    ? Collections.nCopies(r.prompts().size(), "") : r.negativePrompts();
            u = model.conditioner().encode(m, negative, orNull(xl.negativePrompts2()), options);
        }
        used.addAll(u.embeddingsUsed());
        Conditioning uncond = repeat(u, r.imagesPerPrompt());
        return new PromptEmbeds(uncond.context(), cond.context(), uncond.pooled(), cond.pooled(), List.copyOf(used));
    }

    private static List<String> orNull(List<String> prompts) {
        return prompts.isEmpty() ? null : prompts;
    }

    /**
     * SDXL's {@code added_cond_kwargs} for the UNet batch: the pooled embeddings and, for every row, the time ids of
     * the output size (diffusers' negative time ids default to the positive ones). Null for UNets without them.
     */
    private AddedConditions addedConditions(NDManager m, GenerationRequest r, NDArray pooled) {
        if (model.unet().config().additionEmbedType() == null) {
            if (!r.sdxl().defaultSizes()) {
                throw new IllegalArgumentException("original size, target size and crop coordinates condition SDXL "
                        + "models only; " + model.name() + " is " + model.family().displayName());
            }
            return null;
        }
        float[] ids = r.sdxl().timeIds(r.width(), r.height());
        long rows = pooled.getShape().get(0);
        NDArray timeIds = m.create(ids).reshape(1, ids.length).broadcast(rows, ids.length);
        return new AddedConditions(pooled, timeIds.duplicate());
    }

    private static Conditioning repeat(Conditioning c, int n) {
        return new Conditioning(repeat(c.context(), n), c.pooled() == null ? null : repeatRows(c.pooled(), n),
                c.embeddingsUsed());
    }

    /** Each row {@code n} times in a row (pooled (B, P) embeddings). */
    private static NDArray repeatRows(NDArray e, int n) {
        if (n == 1) {
            return e;
        }
        Shape s = e.getShape();
        return e.expandDims(1).broadcast(s.get(0), n, s.get(1)).reshape(s.get(0) * n, s.get(1));
    }

    private static TextualInversions embeddings(GenerationRequest r) {
        if (r.embeddingsDir() == null) {
            return TextualInversions.NONE;
        }
        try {
            return TextualInversions.load(r.embeddingsDir());
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
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
                            Start start, PromptEmbeds embeds, AddedConditions added, GenerationListener listener) {
        NDArray latents = start.latents();
        boolean cfg = r.doClassifierFreeGuidance();
        // contexts of different lengths (A1111 chunks) cannot share a batch: A1111 runs the UNet on each
        boolean split = cfg && (splitGuidance() || !embeds.sameLength());
        NDList halves = split ? new NDList(embeds.uncond(), embeds.cond()) : null;
        NDArray joined = split ? null : embeds.joined();
        AddedConditions[] addedHalves = split && added != null ? halves(added) : new AddedConditions[2];
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
                    NDArray input = unetInput(scheduler.scaleModelInput(latents, t));
                    Future<NDArray> uncondCall = GuidanceThread.EXECUTOR.submit(() -> {
                        try (NDScope worker = new NDScope()) {
                            NDArray out = model.unet().forward(input, tt, halves.get(0), addedHalves[0]);
                            NDScope.unregister(out);
                            return out;
                        }
                    });
                    NDArray cond;
                    try {
                        cond = model.unet().forward(input, tt, halves.get(1), addedHalves[1]);
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
                    NDArray input = unetInput(scheduler.scaleModelInput(cfg ? Ops.cat(0, latents, latents) : latents, t));
                    output = model.unet().forward(input, tt, joined, added);
                    if (cfg) {
                        NDList parts = output.split(2, 0);
                        noise = guide(r, parts.get(0), parts.get(1));
                    } else {
                        noise = output;
                    }
                }
                NDArray next = afterStep(scheduler.step(noise, t, latents, generator).prevSample(), i, ts);
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

    /** The unconditional and conditional halves of the guided batch's added conditions. */
    private static AddedConditions[] halves(AddedConditions added) {
        NDList text = added.textEmbeds().split(2, 0);
        NDList ids = added.timeIds().split(2, 0);
        return new AddedConditions[] {new AddedConditions(text.get(0), ids.get(0)),
            new AddedConditions(text.get(1), ids.get(1))};
    }
}
