package dev.diffusion4j.models;

import com.google.gson.JsonParser;
import dev.diffusion4j.io.ModelDirectory;
import dev.diffusion4j.schedulers.SchedulerConfig;
import dev.diffusion4j.text.ClipTextConfig;
import dev.diffusion4j.unet.UNet2DConditionConfig;
import dev.diffusion4j.vae.AutoencoderKLConfig;
import java.io.IOException;
import java.util.Map;

/**
 * The configs of a model's parts, checked to fit together.
 *
 * @param textEncoder2 SDXL's second text encoder, null for SD 1.x/2.x
 */
record Configs(UNet2DConditionConfig unet, AutoencoderKLConfig vae, ClipTextConfig textEncoder,
               SchedulerConfig scheduler, ClipTextConfig textEncoder2) {

    /** SDXL base's time ids: original size, crop top-left and target size, two values each. */
    private static final int SDXL_TIME_IDS = 6;

    /** An SD 1.x/2.x diffusers folder's configs. */
    static Configs read(ModelDirectory dir) throws IOException {
        return read(dir, false);
    }

    /**
     * A diffusers folder's {@code <part>/config.json} and {@code scheduler/scheduler_config.json}.
     *
     * @param xl whether to read SDXL's {@code text_encoder_2} too
     */
    static Configs read(ModelDirectory dir, boolean xl) throws IOException {
        String n = dir.name();
        SchedulerConfig scheduler = ModelSpec.part(n, "scheduler",
                () -> SchedulerConfig.load(dir.file("scheduler", "scheduler_config.json")));
        ClipTextConfig te = ModelSpec.part(n, "text_encoder",
                () -> ClipTextConfig.read(dir.file("text_encoder", "config.json")));
        UNet2DConditionConfig unet = ModelSpec.part(n, "unet",
                () -> UNet2DConditionConfig.read(dir.file("unet", "config.json")));
        AutoencoderKLConfig vae = ModelSpec.part(n, "vae",
                () -> AutoencoderKLConfig.read(dir.file("vae", "config.json")));
        ClipTextConfig te2 = xl ? ModelSpec.part(n, "text_encoder_2",
                () -> ClipTextConfig.read(dir.file("text_encoder_2", "config.json"))) : null;
        return checked(n, new Configs(unet, vae, te, scheduler, te2));
    }

    /** The built-in configs ({@link BuiltInConfigs#forFamily}), JSON text by part. */
    static Configs builtIn(String name, Map<String, String> json) throws IOException {
        return checked(name, new Configs(
                UNet2DConditionConfig.from(JsonParser.parseString(json.get("unet")).getAsJsonObject()),
                AutoencoderKLConfig.from(JsonParser.parseString(json.get("vae")).getAsJsonObject()),
                ClipTextConfig.from(JsonParser.parseString(json.get("text_encoder")).getAsJsonObject()),
                SchedulerConfig.parse(json.get("scheduler"), name + " (built-in scheduler config)"),
                json.containsKey("text_encoder_2")
                        ? ClipTextConfig.from(JsonParser.parseString(json.get("text_encoder_2")).getAsJsonObject())
                        : null));
    }

    private static Configs checked(String name, Configs c) throws IOException {
        if (c.textEncoder2 != null) {
            return checkedSdxl(name, c);
        }
        if (c.unet.additionEmbedType() != null) {
            throw new IOException(name + ": unet addition_embed_type " + c.unet.additionEmbedType() + " (an SDXL "
                    + "UNet) without a second text encoder");
        }
        if (c.textEncoder.hiddenSize() != c.unet.crossAttentionDim()) {
            throw new IOException(name + ": text_encoder hidden_size " + c.textEncoder.hiddenSize()
                    + " does not match unet cross_attention_dim " + c.unet.crossAttentionDim());
        }
        return c;
    }

    /** SDXL's parts fit together: context = both encoders' widths, added input = pooled width + 6 embedded ids. */
    private static Configs checkedSdxl(String name, Configs c) throws IOException {
        ClipTextConfig te = c.textEncoder;
        ClipTextConfig te2 = c.textEncoder2;
        if (!"text_time".equals(c.unet.additionEmbedType())) {
            throw new IOException(name + ": an SDXL unet needs addition_embed_type text_time, got "
                    + c.unet.additionEmbedType());
        }
        if (te2.projectionDim() == 0) {
            throw new IOException(name + ": text_encoder_2 must be a CLIPTextModelWithProjection (its config's "
                    + "architectures)");
        }
        if (te.hiddenSize() + te2.hiddenSize() != c.unet.crossAttentionDim()) {
            throw new IOException(name + ": text_encoder hidden_size " + te.hiddenSize() + " + text_encoder_2 "
                    + "hidden_size " + te2.hiddenSize() + " does not match unet cross_attention_dim "
                    + c.unet.crossAttentionDim());
        }
        int added = te2.projectionDim() + SDXL_TIME_IDS * c.unet.additionTimeEmbedDim();
        if (added != c.unet.projectionClassEmbeddingsInputDim()) {
            throw new IOException(name + ": text_encoder_2 projection_dim " + te2.projectionDim() + " + "
                    + SDXL_TIME_IDS + " time ids × addition_time_embed_dim " + c.unet.additionTimeEmbedDim() + " = "
                    + added + " does not match unet projection_class_embeddings_input_dim "
                    + c.unet.projectionClassEmbeddingsInputDim());
        }
        return c;
    }

    /** These configs with the scheduler's {@code prediction_type} replaced. */
    Configs withPrediction(PredictionType prediction) {
        return new Configs(unet, vae, textEncoder, scheduler.with("prediction_type", prediction.configValue()),
                textEncoder2);
    }
}
