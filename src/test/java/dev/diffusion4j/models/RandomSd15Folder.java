package dev.diffusion4j.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.diffusion4j.Fixtures;
import dev.diffusion4j.io.Json;
import dev.diffusion4j.io.SafeTensors;
import dev.diffusion4j.nn.Model;
import dev.diffusion4j.schedulers.SchedulerConfig;
import dev.diffusion4j.tensor.Engines;
import dev.diffusion4j.text.ClipTextConfig;
import dev.diffusion4j.text.ClipTextModel;
import dev.diffusion4j.train.ModelExport;
import dev.diffusion4j.unet.UNet2DConditionConfig;
import dev.diffusion4j.unet.UNet2DConditionModel;
import dev.diffusion4j.vae.AutoencoderKL;
import dev.diffusion4j.vae.AutoencoderKLConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A benchmark utility, not a test: writes an SD 1.5-sized diffusers folder (float32 safetensors, random weights, the
 * tiny fixture's tokenizer and scheduler) for measuring the real {@code d4j generate} command at full size without a
 * download. {@code java -cp target/test-classes:target/classes:CP dev.diffusion4j.models.RandomSd15Folder DIR}.
 */
public final class RandomSd15Folder {

    private RandomSd15Folder() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        Engines.start(0);
        Path vaeDir = Files.createTempDirectory("sd15-vae");
        try (AutoencoderKL vae = AutoencoderKL.random(AutoencoderKLConfig.sd15(), DataType.FLOAT32, 3)) {
            Json.write(vaeDir.resolve("config.json"), AutoencoderKLConfig.sd15().toJson());
            SafeTensors.write(vaeDir.resolve("diffusion_pytorch_model.safetensors"), weights(vae), Map.of());
        }
        SchedulerConfig scheduler = SchedulerConfig.load(Fixtures.tinySd1().resolve("scheduler/scheduler_config.json"));
        try (ClipTextModel text = ClipTextModel.random(ClipTextConfig.sd15(), DataType.FLOAT32, 1);
             UNet2DConditionModel unet = UNet2DConditionModel.random(UNet2DConditionConfig.sd15(), DataType.FLOAT32, 2)) {
            ModelExport.write(dir, UNet2DConditionConfig.sd15(), weights(unet), ClipTextConfig.sd15(), weights(text),
                    Fixtures.tinySd1().resolve("tokenizer"), vaeDir, scheduler, DataType.FLOAT32);
        }
        System.out.println(dir.toAbsolutePath());
    }

    private static Map<String, NDArray> weights(Model m) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        m.namedParameters().forEach((k, p) -> out.put(k, p.array()));
        return out;
    }
}
