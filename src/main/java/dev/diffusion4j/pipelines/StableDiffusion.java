package dev.diffusion4j.pipelines;

import ai.djl.ndarray.types.DataType;
import dev.diffusion4j.io.ModelDirectory;
import dev.diffusion4j.nn.WeightSource;
import dev.diffusion4j.schedulers.Samplers;
import dev.diffusion4j.schedulers.Scheduler;
import dev.diffusion4j.schedulers.SchedulerConfig;
import dev.diffusion4j.tensor.Engines;
import dev.diffusion4j.text.ClipTextConfig;
import dev.diffusion4j.text.ClipTextModel;
import dev.diffusion4j.text.ClipTokenizer;
import dev.diffusion4j.unet.UNet2DConditionConfig;
import dev.diffusion4j.unet.UNet2DConditionModel;
import dev.diffusion4j.vae.AutoencoderKL;
import dev.diffusion4j.vae.AutoencoderKLConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.IntConsumer;

/**
 * A loaded Stable Diffusion 1.x/2.x model — tokenizer, text encoder, UNet, VAE and the model's scheduler config — and
 * the entry point for generation ({@link #generate}). Close it to free the weights.
 */
public final class StableDiffusion implements AutoCloseable {

    private final String name;
    private final ClipTokenizer tokenizer;
    private final ClipTextModel textEncoder;
    private final UNet2DConditionModel unet;
    private final AutoencoderKL vae;
    private final SchedulerConfig schedulerConfig;
    private boolean freeParamsImmediately;
    private boolean textEncoderFreed;
    private boolean unetFreed;

    public StableDiffusion(String name, ClipTokenizer tokenizer, ClipTextModel textEncoder, UNet2DConditionModel unet,
                           AutoencoderKL vae, SchedulerConfig schedulerConfig) {
        this.name = name;
        this.tokenizer = tokenizer;
        this.textEncoder = textEncoder;
        this.unet = unet;
        this.vae = vae;
        this.schedulerConfig = schedulerConfig;
    }

    /** Parts {@link #load(ModelDirectory, DataType, IntConsumer)} reports as it goes. */
    public static final int LOAD_PARTS = 5;

    /** {@link #load(ModelDirectory, DataType, IntConsumer)} without progress. */
    public static StableDiffusion load(ModelDirectory dir, DataType dtype) throws IOException {
        return load(dir, dtype, done -> { });
    }

    /**
     * Loads a diffusers folder. Each part is checked strictly; a failure names the part and the reason, and frees
     * whatever was already loaded. Starts libtorch ({@link Engines#start}) if the caller has not; the tokenizer, pure
     * Java, is parsed on another thread meanwhile (for a small model the two take about as long as all the weights).
     *
     * @param progress called with the number of parts loaded so far, up to {@link #LOAD_PARTS}
     */
    public static StableDiffusion load(ModelDirectory dir, DataType dtype, IntConsumer progress) throws IOException {
        CompletableFuture<ClipTokenizer> tokenizer = CompletableFuture.supplyAsync(() -> {
            try {
                return part(dir, "tokenizer", () -> ClipTokenizer.load(dir.root().resolve("tokenizer")));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        Engines.start(0);
        SchedulerConfig scheduler = part(dir, "scheduler",
                () -> SchedulerConfig.load(dir.file("scheduler", "scheduler_config.json")));
        progress.accept(1);
        ClipTextModel te = null;
        UNet2DConditionModel unet = null;
        AutoencoderKL vae = null;
        try {
            te = loadPart(dir, "text_encoder", ClipTextConfig::read, (c, w) -> ClipTextModel.load(c, w, dtype));
            progress.accept(2);
            unet = loadPart(dir, "unet", UNet2DConditionConfig::read, (c, w) -> UNet2DConditionModel.load(c, w, dtype));
            progress.accept(3);
            vae = loadPart(dir, "vae", AutoencoderKLConfig::read, (c, w) -> AutoencoderKL.load(c, w, dtype));
            progress.accept(4);
            if (te.config().hiddenSize() != unet.config().crossAttentionDim()) {
                throw new IOException(dir.name() + ": text_encoder hidden_size " + te.config().hiddenSize()
                        + " does not match unet cross_attention_dim " + unet.config().crossAttentionDim());
            }
            StableDiffusion sd = new StableDiffusion(dir.name(), join(tokenizer), te, unet, vae, scheduler);
            progress.accept(5);
            return sd;
        } catch (IOException | RuntimeException e) {
            if (te != null) te.close();
            if (unet != null) unet.close();
            if (vae != null) vae.close();
            throw e;
        }
    }

    private static ClipTokenizer join(CompletableFuture<ClipTokenizer> tokenizer) throws IOException {
        try {
            return tokenizer.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof UncheckedIOException io) throw io.getCause();
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw e;
        }
    }

    private interface IoSupplier<T> {
        T get() throws IOException;
    }

    private interface ConfigReader<C> {
        C read(Path configJson) throws IOException;
    }

    private static <T> T part(ModelDirectory dir, String part, IoSupplier<T> s) throws IOException {
        try {
            return s.get();
        } catch (IOException | RuntimeException e) {
            throw new IOException(dir.name() + ": part '" + part + "': " + e.getMessage(), e);
        }
    }

    private static <C, M> M loadPart(ModelDirectory dir, String part, ConfigReader<C> config,
                                     java.util.function.BiFunction<C, WeightSource, M> build) throws IOException {
        C c = part(dir, part, () -> config.read(dir.file(part, "config.json")));
        Path weights = dir.weights(part);
        try {
            return WeightSource.fromFile(weights, w -> build.apply(c, w));
        } catch (IOException | RuntimeException e) {
            throw new IOException(dir.name() + ": part '" + part + "': " + e.getMessage(), e);
        }
    }

    public String name() {
        return name;
    }

    public ClipTokenizer tokenizer() {
        return tokenizer;
    }

    public ClipTextModel textEncoder() {
        requireLoaded("text encoder", textEncoderFreed);
        return textEncoder;
    }

    public UNet2DConditionModel unet() {
        requireLoaded("UNet", unetFreed);
        return unet;
    }

    /**
     * One-shot use, like stable-diffusion.cpp's CLI ({@code free_params_immediately}): the next generation frees the
     * text encoder's weights once the prompt is encoded and the UNet's before the VAE decodes, so peak memory is
     * about the largest single model instead of all three. The instance cannot generate again afterwards.
     */
    public StableDiffusion freeParamsImmediately() {
        this.freeParamsImmediately = true;
        return this;
    }

    void doneWithTextEncoder() {
        if (freeParamsImmediately) {
            textEncoder.close();
            textEncoderFreed = true;
        }
    }

    void doneWithUnet() {
        if (freeParamsImmediately) {
            unet.close();
            unetFreed = true;
        }
    }

    private void requireLoaded(String part, boolean freed) {
        if (freed) {
            throw new IllegalStateException(name + ": the " + part + " weights were freed after a one-shot "
                    + "generation (freeParamsImmediately); load the model again to generate more");
        }
    }

    public AutoencoderKL vae() {
        return vae;
    }

    public SchedulerConfig schedulerConfig() {
        return schedulerConfig;
    }

    /** Pixels per latent cell (8 for SD). */
    public int vaeScaleFactor() {
        return vae.config().scaleFactor();
    }

    /** The native image size: the UNet's sample_size in pixels. */
    public int nativeSize() {
        return unet.config().sampleSize() * vaeScaleFactor();
    }

    /** The scheduler a request asks for, built from this model's scheduler config as diffusers' from_config. */
    public Scheduler scheduler(GenerationRequest request) {
        return request.sampler() == null ? Samplers.fromConfig(schedulerConfig) : request.sampler().create(schedulerConfig);
    }

    /** A1111's name of the sampler a request runs ("Euler a", "DPM++ 2M Karras", ...). */
    public String samplerDisplayName(GenerationRequest request) {
        return request.sampler() != null ? request.sampler().displayName() : Samplers.displayName(schedulerConfig);
    }

    /** Runs txt2img, or img2img when the request has an init image. */
    public GenerationResult generate(GenerationRequest request, GenerationListener listener) {
        return request.initImage() == null
                ? new TextToImage(this).generate(request, listener)
                : new ImageToImage(this).generate(request, listener);
    }

    @Override
    public void close() {
        textEncoder.close();
        unet.close();
        vae.close();
    }
}
