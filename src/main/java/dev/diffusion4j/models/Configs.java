package dev.diffusion4j.models;

import com.google.gson.JsonParser;
import dev.diffusion4j.io.ModelDirectory;
import dev.diffusion4j.schedulers.SchedulerConfig;
import dev.diffusion4j.text.ClipTextConfig;
import dev.diffusion4j.unet.UNet2DConditionConfig;
import dev.diffusion4j.vae.AutoencoderKLConfig;
import java.io.IOException;
import java.util.Map;

/** The configs of an SD 1.x/2.x model's parts, checked to fit together. */
record Configs(UNet2DConditionConfig unet, AutoencoderKLConfig vae, ClipTextConfig textEncoder,
               SchedulerConfig scheduler) {

    /** A diffusers folder's {@code <part>/config.json} and {@code scheduler/scheduler_config.json}. */
    static Configs read(ModelDirectory dir) throws IOException {
        String n = dir.name();
        SchedulerConfig scheduler = ModelSpec.part(n, "scheduler",
                () -> SchedulerConfig.load(dir.file("scheduler", "scheduler_config.json")));
        ClipTextConfig te = ModelSpec.part(n, "text_encoder",
                () -> ClipTextConfig.read(dir.file("text_encoder", "config.json")));
        UNet2DConditionConfig unet = ModelSpec.part(n, "unet",
                () -> UNet2DConditionConfig.read(dir.file("unet", "config.json")));
        AutoencoderKLConfig vae = ModelSpec.part(n, "vae",
                () -> AutoencoderKLConfig.read(dir.file("vae", "config.json")));
        return checked(n, new Configs(unet, vae, te, scheduler));
    }

    /** The built-in configs ({@link BuiltInConfigs#forFamily}), JSON text by part. */
    static Configs builtIn(String name, Map<String, String> json) throws IOException {
        return checked(name, new Configs(
                UNet2DConditionConfig.from(JsonParser.parseString(json.get("unet")).getAsJsonObject()),
                AutoencoderKLConfig.from(JsonParser.parseString(json.get("vae")).getAsJsonObject()),
                ClipTextConfig.from(JsonParser.parseString(json.get("text_encoder")).getAsJsonObject()),
                SchedulerConfig.parse(json.get("scheduler"), name + " (built-in scheduler config)")));
    }

    private static Configs checked(String name, Configs c) throws IOException {
        if (c.textEncoder.hiddenSize() != c.unet.crossAttentionDim()) {
            throw new IOException(name + ": text_encoder hidden_size " + c.textEncoder.hiddenSize()
                    + " does not match unet cross_attention_dim " + c.unet.crossAttentionDim());
        }
        return c;
    }

    /** These configs with the scheduler's {@code prediction_type} replaced. */
    Configs withPrediction(PredictionType prediction) {
        return new Configs(unet, vae, textEncoder, scheduler.with("prediction_type", prediction.configValue()));
    }
}
