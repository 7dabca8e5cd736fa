package dev.diffusion4j.models;

import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.diffusion4j.io.ModelDirectory;
import dev.diffusion4j.nn.WeightSource;
import dev.diffusion4j.schedulers.SchedulerConfig;
import dev.diffusion4j.text.ClipTextConfig;
import dev.diffusion4j.text.ClipTextModel;
import dev.diffusion4j.text.ClipTokenizer;
import dev.diffusion4j.unet.UNet2DConditionConfig;
import dev.diffusion4j.unet.UNet2DConditionModel;
import dev.diffusion4j.vae.AutoencoderKL;
import dev.diffusion4j.vae.AutoencoderKLConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * A model identified before any weight is read: its family and the configs of its parts, so that a request can be
 * checked against it (native size, latent scale) and the engine configured before loading. Unsupported families are
 * refused here, by name, rather than on a missing key deep in loading.
 *
 * @param name how the user named the model (path or repo id), for messages and the infotext
 * @param family what the model is
 * @param source where the parts' weights and the tokenizer are read from: a diffusers folder or a single file
 * @param textEncoder2 SDXL's second text encoder (a CLIPTextModelWithProjection), null for SD 1.x/2.x
 * @param forceZerosForEmptyPrompt SDXL pipelines' {@code force_zeros_for_empty_prompt} (default true): without a
 *     negative prompt, guidance runs against zero embeddings
 */
public record ModelSpec(String name, ModelFamily family, ModelSource source, UNet2DConditionConfig unet,
                        AutoencoderKLConfig vae, ClipTextConfig textEncoder, SchedulerConfig scheduler,
                        ClipTextConfig textEncoder2, boolean forceZerosForEmptyPrompt) {

    /**
     * Reads a diffusers folder's {@code model_index.json} and configs.
     *
     * @throws UnsupportedModelException for a family this build cannot run, naming it
     * @throws IOException for a missing or malformed part, naming the folder, the part and the reason
     */
    public static ModelSpec open(ModelDirectory dir) throws IOException {
        JsonObject index = modelIndex(dir);
        String pipelineClass = pipelineClass(dir, index);
        ModelFamily family = ModelFamily.ofPipelineClass(pipelineClass);
        if (family == ModelFamily.SDXL && isRefiner(index)) {
            family = ModelFamily.SDXL_REFINER;
        }
        if (family == ModelFamily.UNKNOWN) {
            throw new UnsupportedModelException(dir.name() + ": model_index.json names '" + pipelineClass
                    + "', which is not a Stable Diffusion pipeline this build knows");
        }
        if (!family.supported()) {
            throw new UnsupportedModelException(dir.name() + ": " + family.displayName() + " is not supported yet"
                    + " (model_index.json _class_name " + pipelineClass + ")");
        }
        boolean xl = family == ModelFamily.SDXL;
        Configs c = Configs.read(dir, xl);
        if (xl) {
            if (c.unet().inChannels() != 4) {
                throw new UnsupportedModelException(dir.name() + ": an SDXL UNet with " + c.unet().inChannels()
                        + " input channels (an inpainting model) is not supported yet");
            }
            JsonElement zeros = index.get("force_zeros_for_empty_prompt");
            boolean forceZeros = zeros == null || zeros.isJsonNull() || zeros.getAsBoolean();
            return new ModelSpec(dir.name(), family, new ModelSource.Folder(dir), c.unet(), c.vae(), c.textEncoder(),
                    c.scheduler(), c.textEncoder2(), forceZeros);
        }
        int channels = c.unet().inChannels();
        if (channels == 9) {
            family = ModelFamily.INPAINTING; // diffusers runs inpainting UNets under either pipeline class
        } else if (channels == 4 && family == ModelFamily.INPAINTING) {
            family = ModelFamily.SD1; // the inpainting pipeline on a plain model
        } else if (channels != 4) {
            throw new UnsupportedModelException(dir.name() + ": a UNet with " + c.unet().inChannels()
                    + " input channels (a depth or other conditioned model) under _class_name " + pipelineClass
                    + " is not supported yet");
        }
        ModelFamily refined = family == ModelFamily.SD1 && c.unet().useLinearProjection() ? ModelFamily.SD2 : family;
        return new ModelSpec(dir.name(), refined, new ModelSource.Folder(dir), c.unet(), c.vae(), c.textEncoder(),
                c.scheduler(), null, false);
    }

    /**
     * The SDXL refiner's folders name no first text encoder and condition on an aesthetic score
     * ({@code requires_aesthetics_score}).
     */
    private static boolean isRefiner(JsonObject index) {
        JsonElement aesthetic = index.get("requires_aesthetics_score");
        if (aesthetic != null && aesthetic.isJsonPrimitive() && aesthetic.getAsBoolean()) {
            return true;
        }
        JsonElement te = index.get("text_encoder");
        return te != null && te.isJsonArray() && te.getAsJsonArray().size() > 0
                && te.getAsJsonArray().get(0).isJsonNull();
    }

    /**
     * Reads an original single file ({@code .safetensors}, {@code .ckpt}, {@code .pt}, {@code .pth}): its family from
     * its keys and shapes, its architecture from {@code configDir} (a diffusers folder, as diffusers'
     * {@code from_single_file(config=...)}) or else from the built-in configs of the published model of that family.
     * Only the file's header (or a checkpoint's pickle, through the restricted unpickler) is read here.
     *
     * @param configDir a diffusers folder whose configs (and tokenizer) describe the file, or null for the built-ins
     * @param prediction overrides the scheduler's {@code prediction_type}; required for an SD 2.x file without
     *     {@code configDir}, whose 512 (ε) and 768 (v) models have the same keys and shapes
     * @throws UnsupportedModelException for a file that is not a model this build runs (a LoRA, a VAE alone, the
     *     SDXL refiner),
     *     naming what it looks like
     * @throws IOException for a missing, malformed or refused file (a pickle naming a forbidden global)
     * @throws IllegalArgumentException when {@code prediction} is required and missing
     */
    public static ModelSpec open(Path file, Path configDir, PredictionType prediction) throws IOException {
        return SingleFileSpec.open(file, configDir, prediction);
    }

    /** This model with its VAE read from a standalone VAE file (original or diffusers layout) instead. */
    public ModelSpec withVae(Path vaeFile) {
        return new ModelSpec(name, family, new VaeFile.Replacing(source, vaeFile), unet, vae, textEncoder, scheduler,
                textEncoder2, forceZerosForEmptyPrompt);
    }

    /** Bytes the weights take as float32: the memory check's fixed part. */
    public long weightBytes() {
        return 4 * (UNet2DConditionModel.parameterCount(unet) + AutoencoderKL.parameterCount(vae)
                + ClipTextModel.parameterCount(textEncoder));
    }

    /** Pixels per latent cell (8 for SD). */
    public int vaeScaleFactor() {
        return vae.scaleFactor();
    }

    /** The default image side: the UNet's sample_size in pixels. */
    public int nativeSize() {
        return unet.sampleSize() * vaeScaleFactor();
    }

    /** The tokenizer folder. */
    public Path tokenizer() {
        return source.tokenizer();
    }

    /** The CLIP tokenizer, with the family's padding token when the source overrides the folder's. */
    public ClipTokenizer loadTokenizer() throws IOException {
        ClipTokenizer t = ClipTokenizer.load(source.tokenizer());
        return source.padToken() == null ? t : t.withPadToken(source.padToken());
    }

    /** SDXL's second tokenizer (OpenCLIP's vocabulary, padding with "!"); fails for one-encoder models. */
    public ClipTokenizer loadTokenizer2() throws IOException {
        if (source.tokenizer2() == null) {
            throw new IllegalStateException(name + " has no second tokenizer (" + family.displayName() + ")");
        }
        ClipTokenizer t = ClipTokenizer.load(source.tokenizer2());
        return source.padToken2() == null ? t : t.withPadToken(source.padToken2());
    }

    /**
     * Builds a part from its weights, wrapped by {@code options}; the file is open only while {@code build} runs.
     * Failures name the model and the part.
     */
    public <M> M load(String part, LoadOptions options, Function<WeightSource, M> build) throws IOException {
        boolean zeroCopy = options.dtype() != DataType.BFLOAT16;
        return part(name, part, () -> source.load(part, zeroCopy, w -> build.apply(options.weights().wrap(part, w))));
    }

    private static JsonObject modelIndex(ModelDirectory dir) throws IOException {
        Path index = dir.root().resolve("model_index.json");
        try {
            return JsonParser.parseString(Files.readString(index)).getAsJsonObject();
        } catch (RuntimeException e) {
            throw new IOException(index + ": not a JSON object: " + e.getMessage(), e);
        }
    }

    private static String pipelineClass(ModelDirectory dir, JsonObject index) throws IOException {
        JsonElement c = index.get("_class_name");
        if (c == null || !c.isJsonPrimitive()) {
            throw new IOException(dir.root().resolve("model_index.json") + ": no _class_name string");
        }
        return c.getAsString();
    }

    interface IoSupplier<T> {
        T get() throws IOException;
    }

    static <T> T part(String model, String part, IoSupplier<T> s) throws IOException {
        try {
            return s.get();
        } catch (UnsupportedModelException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new IOException(model + ": part '" + part + "': " + e.getMessage(), e);
        }
    }
}
