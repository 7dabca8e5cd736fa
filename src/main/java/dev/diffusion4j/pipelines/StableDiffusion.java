package dev.diffusion4j.pipelines;

import dev.diffusion4j.io.ModelDirectory;
import dev.diffusion4j.models.LoadOptions;
import dev.diffusion4j.models.ModelFamily;
import dev.diffusion4j.models.ModelSpec;
import dev.diffusion4j.schedulers.SchedulerConfig;
import dev.diffusion4j.tensor.Engines;
import dev.diffusion4j.text.ClipConditioner;
import dev.diffusion4j.text.ClipTextModel;
import dev.diffusion4j.text.ClipTokenizer;
import dev.diffusion4j.text.Conditioner;
import dev.diffusion4j.unet.UNet2DConditionModel;
import dev.diffusion4j.vae.AutoencoderKL;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.IntConsumer;

/**
 * A loaded Stable Diffusion model — its conditioner (tokenizer and text encoder), UNet, VAE and scheduler config —
 * and the entry point for generation ({@link #generate}). It holds and loads the parts; the pipelines decide the
 * scheduler, the infotext's names and when a one-shot run frees a part. Close it to free the weights.
 */
public final class StableDiffusion implements AutoCloseable {

    private final String name;
    private final ModelFamily family;
    private final Conditioner conditioner;
    private final UNet2DConditionModel unet;
    private final AutoencoderKL vae;
    private final SchedulerConfig schedulerConfig;
    private final LoadOptions options;
    private boolean unetFreed;

    /** A model from parts already loaded (training previews, tests). */
    public StableDiffusion(String name, ModelFamily family, Conditioner conditioner, UNet2DConditionModel unet,
                           AutoencoderKL vae, SchedulerConfig schedulerConfig, LoadOptions options) {
        this.name = name;
        this.family = family;
        this.conditioner = conditioner;
        this.unet = unet;
        this.vae = vae;
        this.schedulerConfig = schedulerConfig;
        this.options = options;
    }

    /** Parts {@link #load(ModelSpec, LoadOptions, IntConsumer)} reports as it goes. */
    public static final int LOAD_PARTS = 5;

    /** Loads a diffusers folder with the given dtype and default options, without progress. */
    public static StableDiffusion load(ModelDirectory dir, DataType dtype) throws IOException {
        return load(ModelSpec.open(dir), LoadOptions.defaults().withDtype(dtype), done -> { });
    }

    /**
     * Loads a model. Each part is checked strictly; a failure names the part and the reason, and frees whatever was
     * already loaded. Starts libtorch ({@link Engines#start}) if the caller has not; the tokenizer, pure Java, is
     * parsed on another thread meanwhile (for a small model the two take about as long as all the weights).
     *
     * @param progress called with the number of parts loaded so far, up to {@link #LOAD_PARTS}
     */
    public static StableDiffusion load(ModelSpec spec, LoadOptions options, IntConsumer progress) throws IOException {
        CompletableFuture<ClipTokenizer> tokenizer = CompletableFuture.supplyAsync(() -> {
            try {
                return ClipTokenizer.load(spec.tokenizer());
            } catch (IOException | RuntimeException e) {
                throw new UncheckedIOException(new IOException(spec.name() + ": part 'tokenizer': " + e.getMessage(), e));
            }
        });
        Engines.start(0);
        progress.accept(1);
        DataType dtype = options.dtype();
        ClipTextModel te = null;
        UNet2DConditionModel unet = null;
        AutoencoderKL vae = null;
        try {
            te = spec.load("text_encoder", options, w -> ClipTextModel.load(spec.textEncoder(), w, dtype));
            progress.accept(2);
            unet = spec.load("unet", options, w -> UNet2DConditionModel.load(spec.unet(), w, dtype));
            progress.accept(3);
            vae = spec.load("vae", options, w -> AutoencoderKL.load(spec.vae(), w, dtype));
            progress.accept(4);
            StableDiffusion sd = new StableDiffusion(spec.name(), spec.family(), new ClipConditioner(join(tokenizer), te),
                    unet, vae, spec.scheduler(), options);
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

    public String name() {
        return name;
    }

    public ModelFamily family() {
        return family;
    }

    public LoadOptions options() {
        return options;
    }

    public Conditioner conditioner() {
        return conditioner;
    }

    /** The UNet; fails once a one-shot generation freed it. */
    public UNet2DConditionModel unet() {
        if (unetFreed) {
            throw new IllegalStateException(name + ": the UNet weights were freed after a one-shot generation "
                    + "(freeParamsImmediately); load the model again to generate more");
        }
        return unet;
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

    /**
     * libtorch threads for a request (0 = every core): one when each UNet call is tiny, else every core. Measured on
     * the 2-core machine with the built-in model: a 16×16 latent samples at 17–21 it/s on one thread, 12–15 it/s on
     * two (the per-op thread hand-off costs more than the work); at 32×32 the two are even and larger latents want
     * every core.
     *
     * @param request a request resolved against {@code spec} ({@link GenerationRequest#resolve})
     */
    public static int suggestedThreads(ModelSpec spec, GenerationRequest request) {
        long f = spec.vaeScaleFactor();
        long positions = (request.width() / f) * (request.height() / f) * request.batchSize();
        return positions <= SMALL_LATENT ? 1 : 0;
    }

    /** Latent positions (width × height × images) up to which one thread is faster. */
    static final int SMALL_LATENT = 16 * 16;

    /** Frees the UNet's weights (a one-shot run, before the VAE decodes). */
    void freeUnet() {
        unet.close();
        unetFreed = true;
        unmapClosed();
    }

    /** Frees the text encoder (a one-shot run, once the prompt is encoded). */
    void freeConditioner() {
        conditioner.close();
        unmapClosed();
    }

    /**
     * float32 weights read from safetensors are private file mappings, which Java unmaps only when the garbage
     * collector frees their buffers: closing a part leaves its pages resident (and counted in peak RSS) until some
     * later collection. A one-shot run collects right after freeing a part, so the next phase starts without them.
     */
    private static void unmapClosed() {
        System.gc();
    }

    /** Runs txt2img, or img2img when the request has an init image. */
    public GenerationResult generate(GenerationRequest request, GenerationListener listener) {
        return request.initImage() == null
                ? new TextToImage(this).generate(request, listener)
                : new ImageToImage(this).generate(request, listener);
    }

    @Override
    public void close() {
        conditioner.close();
        unet.close();
        vae.close();
    }
}
