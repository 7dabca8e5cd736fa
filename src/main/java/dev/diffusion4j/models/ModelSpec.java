package dev.diffusion4j.models;

import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.diffusion4j.io.ModelDirectory;
import dev.diffusion4j.nn.WeightSource;
import dev.diffusion4j.schedulers.SchedulerConfig;
import dev.diffusion4j.text.ClipTextConfig;
import dev.diffusion4j.unet.UNet2DConditionConfig;
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
 * @param dir the diffusers folder holding the parts
 */
public record ModelSpec(String name, ModelFamily family, ModelDirectory dir, UNet2DConditionConfig unet,
                        AutoencoderKLConfig vae, ClipTextConfig textEncoder, SchedulerConfig scheduler) {

    /**
     * Reads a diffusers folder's {@code model_index.json} and configs.
     *
     * @throws UnsupportedModelException for a family this build cannot run, naming it
     * @throws IOException for a missing or malformed part, naming the folder, the part and the reason
     */
    public static ModelSpec open(ModelDirectory dir) throws IOException {
        String pipelineClass = pipelineClass(dir);
        ModelFamily family = ModelFamily.ofPipelineClass(pipelineClass);
        if (family == ModelFamily.UNKNOWN) {
            throw new UnsupportedModelException(dir.name() + ": model_index.json names '" + pipelineClass
                    + "', which is not a Stable Diffusion pipeline this build knows");
        }
        if (!family.supported()) {
            throw new UnsupportedModelException(dir.name() + ": " + family.displayName() + " is not supported yet"
                    + " (model_index.json _class_name " + pipelineClass + ")");
        }
        SchedulerConfig scheduler = part(dir, "scheduler",
                () -> SchedulerConfig.load(dir.file("scheduler", "scheduler_config.json")));
        ClipTextConfig te = part(dir, "text_encoder", () -> ClipTextConfig.read(dir.file("text_encoder", "config.json")));
        UNet2DConditionConfig unet = part(dir, "unet", () -> UNet2DConditionConfig.read(dir.file("unet", "config.json")));
        AutoencoderKLConfig vae = part(dir, "vae", () -> AutoencoderKLConfig.read(dir.file("vae", "config.json")));
        if (te.hiddenSize() != unet.crossAttentionDim()) {
            throw new IOException(dir.name() + ": text_encoder hidden_size " + te.hiddenSize()
                    + " does not match unet cross_attention_dim " + unet.crossAttentionDim());
        }
        if (family == ModelFamily.SD1 && unet.inChannels() != 4) {
            throw new UnsupportedModelException(dir.name() + ": a UNet with " + unet.inChannels()
                    + " input channels (an inpainting or depth model) under _class_name " + pipelineClass
                    + " is not supported yet");
        }
        ModelFamily refined = family == ModelFamily.SD1 && unet.useLinearProjection() ? ModelFamily.SD2 : family;
        return new ModelSpec(dir.name(), refined, dir, unet, vae, te, scheduler);
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
        return dir.root().resolve("tokenizer");
    }

    /**
     * Builds a part from its weights, wrapped by {@code options}; the file is open only while {@code build} runs.
     * Failures name the model and the part.
     */
    public <M> M load(String part, LoadOptions options, Function<WeightSource, M> build) throws IOException {
        Path weights = part(dir, part, () -> dir.weights(part));
        boolean zeroCopy = options.dtype() != DataType.BFLOAT16;
        return part(dir, part, () -> WeightSource.fromFile(weights, zeroCopy,
                w -> build.apply(options.weights().wrap(part, w))));
    }

    private static String pipelineClass(ModelDirectory dir) throws IOException {
        Path index = dir.root().resolve("model_index.json");
        try {
            JsonObject o = JsonParser.parseString(Files.readString(index)).getAsJsonObject();
            JsonElement c = o.get("_class_name");
            if (c == null || !c.isJsonPrimitive()) {
                throw new IOException(index + ": no _class_name string");
            }
            return c.getAsString();
        } catch (RuntimeException e) {
            throw new IOException(index + ": not a JSON object: " + e.getMessage(), e);
        }
    }

    private interface IoSupplier<T> {
        T get() throws IOException;
    }

    private static <T> T part(ModelDirectory dir, String part, IoSupplier<T> s) throws IOException {
        try {
            return s.get();
        } catch (UnsupportedModelException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new IOException(dir.name() + ": part '" + part + "': " + e.getMessage(), e);
        }
    }
}
