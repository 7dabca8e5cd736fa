package dev.diffusion4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonParser;
import dev.diffusion4j.TinySd1;
import dev.diffusion4j.schedulers.SchedulerConfig;
import dev.diffusion4j.text.ClipTextConfig;
import dev.diffusion4j.text.ClipTextModel;
import dev.diffusion4j.unet.UNet2DConditionConfig;
import dev.diffusion4j.unet.UNet2DConditionModel;
import dev.diffusion4j.vae.AutoencoderKL;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiffusionTrainerTest {

    @TempDir
    Path dir;

    private static final Map<String, Object> SD_SCHEDULE = Map.of("beta_schedule", "scaled_linear",
            "beta_start", 0.00085, "beta_end", 0.012);

    @Test
    void noisePredictionLossDecreasesAndCheckpointsHoldEmaWeights() throws Exception {
        lossDecreases(0, 0, SD_SCHEDULE, 0.8);
    }

    @Test
    void lossDecreasesWithMinSnrWeighting() throws Exception {
        lossDecreases(0, 5, SD_SCHEDULE, 0.8);
    }

    @Test
    void lossAlsoDecreasesFromCachedLatents() throws Exception {
        lossDecreases(12, 0, SD_SCHEDULE, 0.8);
    }

    @Test
    void velocityLossDecreasesOnAZeroTerminalSnrScheduleAndAResumeMustKeepTheObjective() throws Exception {
        Map<String, Object> v = new HashMap<>(SD_SCHEDULE);
        v.put("prediction_type", "v_prediction");
        v.put("rescale_betas_zero_snr", true);
        lossDecreases(0, 0, v, 0.95);
        try (UNet2DConditionModel unet = UNet2DConditionModel.random(unetConfig(), DataType.FLOAT32, 0);
             ClipTextModel te = ClipTextModel.random(textConfig(), DataType.FLOAT32, 1);
             AutoencoderKL vae = AutoencoderKL.random(VaeTrainerTest.tiny(), DataType.FLOAT32, 2)) {
            TrainOptions resume = new TrainOptions(dir, 60, 8, 3e-3f, 0, 0, 0f, 1f, 0.9f, 3, 20, 0, true);
            IOException e = assertThrows(IOException.class, () -> DiffusionTrainer.train(
                    new DiffusionTrainer.Models(unet, te, TinySd1.tokenizer(), vae,
                            SchedulerConfig.of("DDPMScheduler", SD_SCHEDULE)),
                    VaeTrainerTest.boxes(5), 16, 0.1f, 0, LossWeighting.NONE, resume, Map.of("unet_config", "u"),
                    VaeTrainerTest.listener(new ArrayList<>()), step -> {}));
            assertTrue(e.getMessage().contains("objective does not match this run (checkpoint: v_prediction, zero "
                    + "terminal SNR, this run: epsilon)"), e.getMessage());
        }
    }

    @Test
    void contrastiveLossTrainsItsHeadWithTheModelsAndAResumeMustKeepIt() throws Exception {
        SchedulerConfig noise = SchedulerConfig.of("DDPMScheduler", SD_SCHEDULE);
        try (UNet2DConditionModel unet = UNet2DConditionModel.random(unetConfig(), DataType.FLOAT32, 0);
             ClipTextModel te = ClipTextModel.random(textConfig(), DataType.FLOAT32, 1);
             AutoencoderKL vae = AutoencoderKL.random(VaeTrainerTest.tiny(), DataType.FLOAT32, 2);
             ContrastiveAlignment align = ContrastiveAlignment.random(4, 8, 16, 0.1f, 6, 3);
             NDManager m = NDManager.newBaseManager()) {
            float[] before = align.namedParameters().get("visual_projection.weight").array().toFloatArray();
            List<String> messages = new ArrayList<>();
            TrainingListener listener = new TrainingListener() {
                @Override
                public void onStep(long step, long total, float loss) {}

                @Override
                public void onMessage(String message) {
                    messages.add(message);
                }
            };
            TrainOptions o = new TrainOptions(dir, 10, 4, 3e-3f, 0, 0, 0f, 1f, 0.9f, 3, 10, 0, false);
            DiffusionTrainer.train(new DiffusionTrainer.Models(unet, te, TinySd1.tokenizer(), vae, noise,
                    align), VaeTrainerTest.boxes(5), 16, 0.1f, 0, LossWeighting.NONE, o, Map.of(), listener,
                    step -> {});
            assertTrue(messages.stream().anyMatch(s -> s.startsWith("step 10: contrastive loss ")), messages::toString);
            Checkpoint c = Checkpoint.load(o.checkpointFile(), m);
            assertEquals("weight 0.1, batch 6", c.metadata().get("contrastive_loss"));
            Map<String, NDArray> head = c.section("model." + DiffusionTrainer.ALIGNMENT);
            assertEquals(align.namedParameters().keySet(), head.keySet());
            float[] after = head.get("visual_projection.weight").toFloatArray();
            assertTrue(!java.util.Arrays.equals(before, after), "the head should train");
            assertEquals(Set.of("unet", "text_encoder"), DiffusionTrainer.emaWeights(c).keySet());

            TrainOptions resume = new TrainOptions(dir, 20, 4, 3e-3f, 0, 0, 0f, 1f, 0.9f, 3, 10, 0, true);
            IOException e = assertThrows(IOException.class, () -> DiffusionTrainer.train(
                    new DiffusionTrainer.Models(unet, te, TinySd1.tokenizer(), vae, noise),
                    VaeTrainerTest.boxes(5), 16, 0.1f, 0, LossWeighting.NONE, resume, Map.of(), listener,
                    step -> {}));
            assertTrue(e.getMessage().contains("contrastive_loss does not match this run (checkpoint: weight 0.1, "
                    + "batch 6, this run: off)"), e.getMessage());
        }
    }

    @Test
    void zeroTerminalSnrWithNoisePredictionIsRefused() throws Exception {
        Map<String, Object> eps = new HashMap<>(SD_SCHEDULE);
        eps.put("rescale_betas_zero_snr", true);
        TinySd1.tokenizer(); // outside the lambda: without fixtures the test is skipped, not failed
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> lossDecreases(0, 0, eps, 0.8));
        assertTrue(e.getMessage().startsWith("a zero-terminal-SNR schedule needs prediction_type v_prediction"));
    }

    private static UNet2DConditionConfig unetConfig() {
        return UNet2DConditionConfig.from(JsonParser.parseString("""
                {"block_out_channels": [16, 32], "layers_per_block": 1, "attention_head_dim": 2,
                 "cross_attention_dim": 16, "norm_num_groups": 8, "sample_size": 8,
                 "down_block_types": ["CrossAttnDownBlock2D", "DownBlock2D"],
                 "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D"]}""").getAsJsonObject());
    }

    private static ClipTextConfig textConfig() {
        return new ClipTextConfig(49408, 16, 32, 1, 2, 77, "gelu", 1e-5f, 2);
    }

    /** Trains 40 steps and requires the mean loss of the last 10 below {@code ratio} × that of the first 10. */
    private void lossDecreases(int cacheLatents, float snrGamma, Map<String, Object> schedule, double ratio)
            throws Exception {
        UNet2DConditionConfig unetConfig = unetConfig();
        ClipTextConfig textConfig = textConfig();
        SchedulerConfig noise = SchedulerConfig.of("DDPMScheduler", schedule);
        List<Float> losses = new ArrayList<>();
        try (UNet2DConditionModel unet = UNet2DConditionModel.random(unetConfig, DataType.FLOAT32, 0);
             ClipTextModel te = ClipTextModel.random(textConfig, DataType.FLOAT32, 1);
             AutoencoderKL vae = AutoencoderKL.random(VaeTrainerTest.tiny(), DataType.FLOAT32, 2)) {
            TrainOptions o = new TrainOptions(dir, 40, 8, 3e-3f, 0, 0, 0f, 1f, 0.9f, 3, 20, 0, false);
            List<Long> checkpoints = new ArrayList<>();
            List<String> preparing = new ArrayList<>();
            TrainingListener recorder = VaeTrainerTest.listener(losses);
            TrainingListener listener = new TrainingListener() {
                @Override
                public void onStep(long step, long total, float loss) {
                    recorder.onStep(step, total, loss);
                }

                @Override
                public void onMessage(String message) {}

                @Override
                public void onPreparing(String what, long done, long total) {
                    preparing.add(what + " " + done + "/" + total);
                }
            };
            DiffusionTrainer.train(new DiffusionTrainer.Models(unet, te, TinySd1.tokenizer(), vae, noise),
                    VaeTrainerTest.boxes(5), 16, 0.1f, cacheLatents, new LossWeighting(snrGamma, false), o,
                    Map.of("unet_config", "u"), listener, checkpoints::add);
            assertEquals(List.of(20L, 40L), checkpoints);
            assertEquals(cacheLatents == 0 ? List.of() : List.of("latent cache 8/12", "latent cache 12/12"), preparing);
            double first = losses.subList(0, 10).stream().mapToDouble(Float::doubleValue).average().orElseThrow();
            double last = losses.subList(30, 40).stream().mapToDouble(Float::doubleValue).average().orElseThrow();
            assertTrue(last < first * ratio, "loss should fall: first " + first + ", last " + last);
            try (NDManager m = NDManager.newBaseManager()) {
                Checkpoint c = Checkpoint.load(o.checkpointFile(), m);
                assertEquals(40, c.step());
                var ema = DiffusionTrainer.emaWeights(c);
                assertEquals(unet.namedParameters().keySet(), ema.get("unet").keySet());
                assertEquals(te.namedParameters().keySet(), ema.get("text_encoder").keySet());
            }
        }
    }
}
