package dev.diffusion4j.models;

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
 * @param textEncoder2 SDXL's second text encoder (a CLIPTextModelWithProjection), null for SD 1.x/2.x
 * @param forceZerosForEmptyPrompt SDXL pipelines' {@code force_zeros_for_empty_prompt} (default true): without a
 *     negative prompt, guidance runs against zero embeddings
 */
public record ModelSpec(String name, ModelFamily family, ModelDirectory dir, UNet2DConditionConfig unet,
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
        SchedulerConfig scheduler = part(dir, "scheduler",
                () -> SchedulerConfig.load(dir.file("scheduler", "scheduler_config.json")));
        ClipTextConfig te = part(dir, "text_encoder", () -> ClipTextConfig.read(dir.file("text_encoder", "config.json")));
        UNet2DConditionConfig unet = part(dir, "unet", () -> UNet2DConditionConfig.read(dir.file("unet", "config.json")));
        AutoencoderKLConfig vae = part(dir, "vae", () -> AutoencoderKLConfig.read(dir.file("vae", "config.json")));
        if (family == ModelFamily.SDXL) {
            ClipTextConfig te2 = part(dir, "text_encoder_2",
                    () -> ClipTextConfig.read(dir.file("text_encoder_2", "config.json")));
            if (unet.inChannels() != 4) {
                throw new UnsupportedModelException(dir.name() + ": an SDXL UNet with " + unet.inChannels()
                        + " input channels (an inpainting model) is not supported yet");
            }
            checkSdxl(dir, unet, te, te2);
            JsonElement zeros = index.get("force_zeros_for_empty_prompt");
            boolean forceZeros = zeros == null || zeros.isJsonNull() || zeros.getAsBoolean();
            return new ModelSpec(dir.name(), family, dir, unet, vae, te, scheduler, te2, forceZeros);
        }
        if (unet.additionEmbedType() != null) {
            throw new IOException(dir.name() + ": unet addition_embed_type " + unet.additionEmbedType()
                    + " under _class_name " + pipelineClass + " (an SDXL UNet in a Stable Diffusion 1.x/2.x folder)");
        }
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
        return new ModelSpec(dir.name(), refined, dir, unet, vae, te, scheduler, null, false);
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

    /** SDXL's parts fit together: context = both encoders' widths, added input = pooled width + 6 embedded ids. */
    private static void checkSdxl(ModelDirectory dir, UNet2DConditionConfig unet, ClipTextConfig te,
                                  ClipTextConfig te2) throws IOException {
        if (!"text_time".equals(unet.additionEmbedType())) {
            throw new IOException(dir.name() + ": an SDXL unet needs addition_embed_type text_time, got "
                    + unet.additionEmbedType());
        }
        if (te2.projectionDim() == 0) {
            throw new IOException(dir.name() + ": text_encoder_2 must be a CLIPTextModelWithProjection (its "
                    + "config's architectures)");
        }
        if (te.hiddenSize() + te2.hiddenSize() != unet.crossAttentionDim()) {
            throw new IOException(dir.name() + ": text_encoder hidden_size " + te.hiddenSize() + " + text_encoder_2 "
                    + "hidden_size " + te2.hiddenSize() + " does not match unet cross_attention_dim "
                    + unet.crossAttentionDim());
        }
        int added = te2.projectionDim() + SDXL_TIME_IDS * unet.additionTimeEmbedDim();
        if (added != unet.projectionClassEmbeddingsInputDim()) {
            throw new IOException(dir.name() + ": text_encoder_2 projection_dim " + te2.projectionDim() + " + "
                    + SDXL_TIME_IDS + " time ids × addition_time_embed_dim " + unet.additionTimeEmbedDim() + " = "
                    + added + " does not match unet projection_class_embeddings_input_dim "
                    + unet.projectionClassEmbeddingsInputDim());
        }
    }

    /** SDXL base's time ids: original size, crop top-left and target size, two values each. */
    private static final int SDXL_TIME_IDS = 6;

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

    /** SDXL's second tokenizer folder (OpenCLIP's, padding with "!"). */
    public Path tokenizer2() {
        return dir.root().resolve("tokenizer_2");
    }

    /**
     * Builds a part from its weights, wrapped by {@code options}; the file is open only while {@code build} runs.
     * Failures name the model and the part.
     */
    public <M> M load(String part, LoadOptions options, Function<WeightSource, M> build) throws IOException {
        Path weights = part(dir, part, () -> dir.weights(part));
        return part(dir, part, () -> WeightSource.fromFile(weights, w -> build.apply(options.weights().wrap(part, w))));
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
