package dev.diffusion4j.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.diffusion4j.nn.Parameter;
import dev.diffusion4j.random.TorchGenerator;
import dev.diffusion4j.schedulers.SchedulerConfig;
import dev.diffusion4j.tensor.Engines;
import dev.diffusion4j.tensor.Tensors;
import dev.diffusion4j.text.ClipTextModel;
import dev.diffusion4j.text.ClipTokenizer;
import dev.diffusion4j.unet.UNet2DConditionModel;
import dev.diffusion4j.vae.AutoencoderKL;
import dev.diffusion4j.vae.DiagonalGaussianDistribution;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * Text-conditional latent diffusion training (Rombach et al. 2022, eq. 2; Ho et al. 2020, Alg. 1): a frozen VAE maps
 * images to latents, a UNet and a CLIP-architecture text encoder are trained together to predict the noise added at a
 * uniformly drawn timestep, ‖ε − ε_θ(z_t, t, τ(y))‖², or with the noise schedule's prediction_type v_prediction the
 * velocity v = √ᾱ_t·ε − √(1−ᾱ_t)·z₀ (Salimans &amp; Ho 2022, §4), which stays learnable where ᾱ_t → 0 and so goes with
 * a zero-terminal-SNR schedule (Lin et al. 2023). Captions are dropped to "" with probability {@code uncondProb} so
 * the same network also learns the unconditional prediction classifier-free guidance needs.
 */
public final class DiffusionTrainer {

    /** Where {@code cacheLatents} keeps the encoded latents, in the output folder beside the checkpoint. */
    public static final String LATENT_CACHE_FILE = "latent-cache.safetensors";

    /** The folder of {@code --output} that {@code d4j train} exports the model to at every checkpoint. */
    public static final String EXPORT = "model";

    /** Checkpoint prefix of the contrastive head's parameters (trained and saved, not exported). */
    static final String ALIGNMENT = "alignment.";
    /**
     * Where the contrastive stream starts in the data: with unlimited data (no latent cache) it then never replays the
     * diffusion batches' examples; with a cache both cycle through the same entries at different rates.
     */
    private static final long ALIGNMENT_OFFSET = 1_000_003L;

    /**
     * The models being trained (owned by the caller) and the frozen parts they train against. {@code alignment}, when
     * not null, adds its contrastive caption-latent loss to the objective and trains with them.
     */
    public record Models(UNet2DConditionModel unet, ClipTextModel textEncoder, ClipTokenizer tokenizer,
                         AutoencoderKL vae, SchedulerConfig noiseSchedule, ContrastiveAlignment alignment) {

        public Models(UNet2DConditionModel unet, ClipTextModel textEncoder, ClipTokenizer tokenizer,
                      AutoencoderKL vae, SchedulerConfig noiseSchedule) {
            this(unet, textEncoder, tokenizer, vae, noiseSchedule, null);
        }
    }

    /** Outcome: steps run by this call (0 when a resumed run had none left), seconds, the last loss. */
    public record Result(long steps, double seconds, float finalLoss) {}

    private DiffusionTrainer() {}

    /**
     * Trains the UNet and text encoder of {@code models} on {@code data}. {@code uncondProb}: chance a caption is
     * dropped (for classifier-free guidance). {@code cacheLatents > 0} encodes that many examples once
     * ({@link LatentCache}) and cycles through them instead of rendering and encoding every batch.
     * {@code weighting} scales each sample's loss by its timestep's SNR ({@link LossWeighting}).
     */
    public static Result train(Models models, TrainingData data, int resolution, float uncondProb, int cacheLatents,
                               LossWeighting weighting, TrainOptions o, Map<String, String> runMetadata,
                               TrainingListener listener, LongConsumer onCheckpoint) throws IOException {
        Engines.start(0);
        Path ckpt = o.checkpointFile();
        Map<String, Parameter> params = new LinkedHashMap<>();
        models.unet().namedParameters().forEach((k, p) -> params.put("unet." + k, p));
        models.textEncoder().namedParameters().forEach((k, p) -> params.put("text_encoder." + k, p));
        ContrastiveAlignment align = models.alignment();
        if (align != null) {
            align.namedParameters().forEach((k, p) -> params.put(ALIGNMENT + k, p));
        }
        String contrastive = align == null ? "off" : align.describe();
        SchedulerConfig schedule = models.noiseSchedule();
        boolean vPrediction = switch (schedule.predictionType()) {
            case "epsilon" -> false;
            case "v_prediction" -> true;
            default -> throw new IllegalArgumentException("training supports prediction_type epsilon or "
                    + "v_prediction, got '" + schedule.predictionType() + "'");
        };
        float[] alphasCumprod = schedule.alphasCumprod();
        if (!vPrediction && alphasCumprod[alphasCumprod.length - 1] == 0) {
            throw new IllegalArgumentException("a zero-terminal-SNR schedule needs prediction_type v_prediction: at "
                    + "ᾱ = 0 the noisy latent is pure noise and ε-prediction says nothing about the image");
        }
        String objective = objective(schedule);
        int numTrain = alphasCumprod.length;
        float scaling = models.vae().config().scalingFactor();
        long t0 = System.nanoTime();
        float lastLoss = Float.NaN;
        float lastContrastive = Float.NaN;
        try (OutputFolder folder = OutputFolder.open(o, EXPORT, listener); TrainState state = new TrainState(params, o);
             NDManager m = NDManager.newBaseManager()) {
            long start = 0;
            if (o.resume()) {
                try (NDManager cm = NDManager.newBaseManager()) {
                    Checkpoint c = Checkpoint.load(ckpt, cm);
                    for (Map.Entry<String, String> e : runMetadata.entrySet()) {
                        c.requireMatching(ckpt, e.getKey(), e.getValue());
                    }
                    // checkpoints from before v-prediction have no objective: they trained ε on SD's schedule
                    c.requireMatching(ckpt, "objective", objective, "epsilon");
                    c.requireMatching(ckpt, "contrastive_loss", contrastive, "off");
                    state.restore(c);
                    start = c.step();
                }
                listener.onMessage("resumed from " + ckpt + " at step " + start);
            }
            LatentCache cache = null;
            if (cacheLatents > 0 && start < o.steps()) {
                cache = LatentCache.loadOrBuild(o.output().resolve(LATENT_CACHE_FILE), models.vae(), data,
                        resolution, cacheLatents, o.batch(),
                        done -> listener.onPreparing("latent cache", done, cacheLatents), listener::onMessage);
            }
            int len = models.tokenizer().maxLength();
            for (long step = start + 1; step <= o.steps(); step++) {
                try (NDScope s = new NDScope()) {
                    TorchGenerator g = new TorchGenerator(o.seed() * 1_000_003L + step);
                    int n = o.batch();
                    long first = (step - 1) * n;
                    // 1. latents of the frozen VAE: a posterior sample, scaled to unit variance
                    LatentCache.Entries examples = examples(m, cache, models.vae(), data, resolution, first, n);
                    List<String> captions = examples.captions();
                    DiagonalGaussianDistribution posterior = examples.posterior();
                    NDArray z0 = posterior.sample(g.randn(m, posterior.mean().getShape())).mul(scaling);
                    float[] drop = g.rand(n);
                    long[] ids = new long[n * len];
                    for (int i = 0; i < n; i++) {
                        String caption = drop[i] < uncondProb ? "" : captions.get(i);
                        System.arraycopy(models.tokenizer().inputIds(caption), 0, ids, i * len, len);
                    }
                    // 2. z_t = √ᾱ_t z0 + √(1−ᾱ_t) ε (DDPM eq. 4) at t ~ U{0..T−1}
                    float[] u = g.rand(n);
                    float[] timesteps = new float[n];
                    float[] a = new float[n];
                    float[] sigma = new float[n];
                    for (int i = 0; i < n; i++) {
                        int t = Math.min(numTrain - 1, (int) (u[i] * numTrain));
                        timesteps[i] = t;
                        a[i] = (float) Math.sqrt(alphasCumprod[t]);
                        sigma[i] = (float) Math.sqrt(1 - alphasCumprod[t]);
                    }
                    NDArray eps = g.randn(m, z0.getShape());
                    Shape col = new Shape(n, 1, 1, 1);
                    NDArray zt = z0.mul(Tensors.of(m, a, col)).add(eps.mul(Tensors.of(m, sigma, col)));
                    NDArray tokens = Tensors.of(m, ids, new Shape(n, len));
                    NDArray ts = Tensors.of(m, timesteps);
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        NDArray context = models.textEncoder().forward(tokens, 0).lastHiddenState();
                        NDArray pred = models.unet().forward(zt, ts, context);
                        NDArray target = vPrediction
                                ? eps.mul(Tensors.of(m, a, col)).sub(z0.mul(Tensors.of(m, sigma, col))) : eps;
                        NDArray perSample = pred.sub(target).square().reshape(n, -1).mean(new int[] {1});
                        NDArray loss = weighting.isNone() ? perSample.mean() : perSample.mul(Tensors.of(m,
                                weighting.weights(alphasCumprod, timesteps, vPrediction))).mean();
                        NDArray total = loss;
                        if (align != null) {
                            // a stream of examples of its own, larger than the diffusion batch
                            long from = (step - 1) * align.batch() + ALIGNMENT_OFFSET;
                            NDArray c = contrastiveLoss(m, models, align, cache, data, resolution, scaling, from);
                            total = loss.add(c.mul(align.weight()));
                            lastContrastive = c.getFloat();
                        }
                        gc.backward(total);
                        lastLoss = loss.getFloat();
                    }
                    state.step(o, step, listener);
                }
                listener.onStep(step, o.steps(), lastLoss);
                if (step % o.checkpointEvery() == 0 || step == o.steps()) {
                    Map<String, String> meta = new LinkedHashMap<>(runMetadata);
                    meta.put("step", Long.toString(step));
                    meta.put("trainer", "train");
                    meta.put("objective", objective);
                    meta.put("contrastive_loss", contrastive);
                    Checkpoint.save(ckpt, state.tensors(), meta);
                    onCheckpoint.accept(step);
                    if (align != null) {
                        listener.onMessage(String.format("step %d: contrastive loss %.4f (logit scale %.2f)", step,
                                lastContrastive, align.logitScale()));
                    }
                }
            }
            return new Result(Math.max(0, o.steps() - start), (System.nanoTime() - t0) / 1e9, lastLoss);
        }
    }

    /** Examples {@code first .. first+n-1}: from the latent cache when there is one, else rendered and encoded. */
    private static LatentCache.Entries examples(NDManager m, LatentCache cache, AutoencoderKL vae, TrainingData data,
                                                int resolution, long first, int n) {
        if (cache != null) {
            return cache.load(m, first, n);
        }
        Batch b = Batch.load(m, data, first, n, resolution);
        return new LatentCache.Entries(vae.encode(b.images()), b.captions());
    }

    /**
     * The alignment head's loss on {@code align.batch()} examples from {@code first}: clean (posterior-mean) latents
     * against their full captions, never dropped. Token ids are cut after the longest caption's end-of-text token; the
     * encoder is causal, so the states up to it, the pooled one included, are those of the padded sequence.
     */
    private static NDArray contrastiveLoss(NDManager m, Models models, ContrastiveAlignment align, LatentCache cache,
                                           TrainingData data, int resolution, float scaling, long first) {
        int n = align.batch();
        LatentCache.Entries e = examples(m, cache, models.vae(), data, resolution, first, n);
        ClipTokenizer tok = models.tokenizer();
        long[][] rows = new long[n][];
        int used = 0;
        for (int i = 0; i < n; i++) {
            rows[i] = tok.inputIdsUnpadded(e.captions().get(i));
            used = Math.max(used, rows[i].length);
        }
        long[] ids = new long[n * used];
        for (int i = 0; i < n; i++) {
            System.arraycopy(tok.pad(rows[i], used), 0, ids, i * used, used);
        }
        NDArray pooled = models.textEncoder().forward(Tensors.of(m, ids, new Shape(n, used)), 0).pooled();
        return align.loss(pooled, e.posterior().mean().mul(scaling), e.captions());
    }

    /** What the network learns to predict, on which schedule: a resume must not change it. */
    private static String objective(SchedulerConfig schedule) {
        return schedule.predictionType() + (schedule.rescaleBetasZeroSnr() ? ", zero terminal SNR" : "");
    }

    /** The EMA weights of a finished or checkpointed run, split into the UNet's and the text encoder's. */
    public static Map<String, Map<String, NDArray>> emaWeights(Checkpoint c) {
        Map<String, Map<String, NDArray>> out = new LinkedHashMap<>();
        for (String part : List.of("unet", "text_encoder")) {
            out.put(part, c.section("ema." + part + "."));
        }
        return out;
    }
}
