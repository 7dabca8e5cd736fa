package dev.diffusion4j.pipelines;

import ai.djl.ndarray.types.DataType;
import dev.diffusion4j.adapters.Lora;
import dev.diffusion4j.adapters.LoraMerge;
import dev.diffusion4j.io.ModelDirectory;
import dev.diffusion4j.models.LoadOptions;
import dev.diffusion4j.models.ModelFamily;
import dev.diffusion4j.models.ModelSpec;
import dev.diffusion4j.nn.Model;
import dev.diffusion4j.schedulers.SchedulerConfig;
import dev.diffusion4j.tensor.Engines;
import dev.diffusion4j.text.ClipConditioner;
import dev.diffusion4j.text.ClipTextModel;
import dev.diffusion4j.text.ClipTokenizer;
import dev.diffusion4j.text.Conditioner;
import dev.diffusion4j.text.SdxlConditioner;
import dev.diffusion4j.unet.UNet2DConditionModel;
import dev.diffusion4j.vae.AutoencoderKL;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.IntConsumer;

/**
 * A loaded Stable Diffusion model — its conditioner (the tokenizer and text encoder of SD 1.x/2.x, SDXL's two of
 * each), UNet, VAE and scheduler config —
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
    private List<Lora> loras = List.of();
    private Map<String, String> loraHashes = Map.of();

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
        boolean xl = spec.textEncoder2() != null;
        CompletableFuture<ClipTokenizer> tokenizer = tokenizer(spec, "tokenizer", spec::loadTokenizer);
        CompletableFuture<ClipTokenizer> tokenizer2 = xl ? tokenizer(spec, "tokenizer_2", spec::loadTokenizer2) : null;
        Engines.start(0);
        progress.accept(1);
        DataType dtype = options.dtype();
        ClipTextModel te = null;
        ClipTextModel te2 = null;
        UNet2DConditionModel unet = null;
        AutoencoderKL vae = null;
        try {
            te = spec.load("text_encoder", options, w -> ClipTextModel.load(spec.textEncoder(), w, dtype));
            if (xl) {
                te2 = spec.load("text_encoder_2", options, w -> ClipTextModel.load(spec.textEncoder2(), w, dtype));
            }
            progress.accept(2);
            unet = spec.load("unet", options, w -> UNet2DConditionModel.load(spec.unet(), w, dtype));
            progress.accept(3);
            vae = spec.load("vae", options, w -> AutoencoderKL.load(spec.vae(), w, dtype));
            progress.accept(4);
            Conditioner conditioner = xl
                    ? new SdxlConditioner(join(tokenizer), te, join(tokenizer2), te2, spec.forceZerosForEmptyPrompt())
                    : new ClipConditioner(join(tokenizer), te);
            StableDiffusion sd = new StableDiffusion(spec.name(), spec.family(), conditioner, unet, vae,
                    spec.scheduler(), options);
            progress.accept(5);
            return sd;
        } catch (IOException | RuntimeException e) {
            if (te != null) te.close();
            if (te2 != null) te2.close();
            if (unet != null) unet.close();
            if (vae != null) vae.close();
            throw e;
        }
    }

    /** Parses a tokenizer (pure Java) on another thread while libtorch starts and the weights load. */
    private interface TokenizerLoader {
        ClipTokenizer load() throws IOException;
    }

    private static CompletableFuture<ClipTokenizer> tokenizer(ModelSpec spec, String part, TokenizerLoader loader) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return loader.load();
            } catch (IOException | RuntimeException e) {
                throw new UncheckedIOException(new IOException(spec.name() + ": part '" + part + "': "
                        + e.getMessage(), e));
            }
        });
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

    /**
     * Makes {@code wanted} the LoRAs merged into the UNet and text encoder: nothing happens when they already are;
     * otherwise the loaded weights are restored exactly and the new set merged, so a long-lived model switches
     * between LoRAs (or back to none) without reloading.
     *
     * @return each LoRA's name and the hash A1111 shows for it ("Lora hashes")
     * @throws IOException naming a LoRA file that cannot be read or does not fit this model (the model is then left
     *     without LoRAs)
     */
    public synchronized Map<String, String> useLoras(List<Lora> wanted) throws IOException {
        if (wanted.equals(loras)) {
            return loraHashes;
        }
        Map<String, Model> parts = new LinkedHashMap<>(conditioner.textEncoders());
        parts.put("unet", unet());
        LoraMerge.restore(parts);
        conditioner.clearCache();
        loras = List.of();
        loraHashes = Map.of();
        if (!wanted.isEmpty()) {
            loraHashes = Collections.unmodifiableMap(LoraMerge.apply(wanted, parts));
            loras = List.copyOf(wanted);
        }
        return loraHashes;
    }

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

    /** Runs txt2img, img2img when the request has an init image, inpainting when it also has a mask. */
    public GenerationResult generate(GenerationRequest request, GenerationListener listener) {
        if (request.mask() == null && unet.config().inChannels() != 4) {
            throw new IllegalArgumentException(name + ": an inpainting model needs an init image and a mask");
        }
        return request.mask() != null ? new Inpaint(this).generate(request, listener)
                : request.initImage() == null ? new TextToImage(this).generate(request, listener)
                : new ImageToImage(this).generate(request, listener);
    }

    @Override
    public void close() {
        conditioner.close();
        unet.close();
        vae.close();
    }
}
