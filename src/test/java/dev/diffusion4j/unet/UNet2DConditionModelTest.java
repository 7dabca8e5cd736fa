package dev.diffusion4j.unet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonParser;
import dev.diffusion4j.Fixtures;
import dev.diffusion4j.TinySd1;
import dev.diffusion4j.nn.WeightSource;
import dev.diffusion4j.nn.WeightsException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class UNet2DConditionModelTest {

    static List<Fixtures.Case> cases() {
        return Fixtures.cases("tiny-sd1", "unet");
    }

    @ParameterizedTest
    @MethodSource("cases")
    void matchesDiffusers(Fixtures.Case c) {
        UNet2DConditionModel unet = TinySd1.model().unet();
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray sample = TinySd1.array(m, c.input("sample"));
            NDArray context = TinySd1.array(m, c.input("encoder_hidden_states"));
            NDArray t = TinySd1.array(m, c.input("timestep"));
            NDArray out = unet.forward(sample, t, context);
            c.check("sample", TinySd1.floats(out));
        }
    }

    @Test
    void sd2StyleConfigBuildsWithLinearProjectionAndPerBlockHeads() {
        var cfg = UNet2DConditionConfig.from(JsonParser.parseString("""
                {"block_out_channels": [32, 64], "attention_head_dim": [2, 4], "use_linear_projection": true,
                 "cross_attention_dim": 16, "layers_per_block": 1, "norm_num_groups": 8, "sample_size": 8,
                 "down_block_types": ["CrossAttnDownBlock2D", "DownBlock2D"],
                 "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D"]}""").getAsJsonObject());
        try (UNet2DConditionModel unet = UNet2DConditionModel.random(cfg, DataType.FLOAT32, 0);
             NDManager m = NDManager.newBaseManager()) {
            assertEquals(new Shape(32, 32), unet.namedParameters().get("down_blocks.0.attentions.0.proj_in.weight").shape());
            // non-multiple latent size (diffusers' forward_upsample_size path) and per-item timesteps
            NDArray out = unet.forward(m.randomNormal(new Shape(2, 4, 7, 9)), m.create(new float[] {10, 900.5f}),
                    m.randomNormal(new Shape(2, 5, 16)));
            assertEquals(new Shape(2, 4, 7, 9), out.getShape());
            assertTrue(Float.isFinite(out.sum().getFloat()));
        }
    }

    @Test
    void strictLoadingNamesTheKeyAndBothShapes() {
        var cfg = TinySd1.model().unet().config();
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> weights = new java.util.HashMap<>();
            TinySd1.model().unet().namedParameters().forEach((k, p) -> weights.put(k, p.array()));
            weights.put("conv_in.weight", m.zeros(new Shape(32, 4, 1, 1)));
            WeightsException e = assertThrows(WeightsException.class,
                    () -> UNet2DConditionModel.load(cfg, WeightSource.of("mem", weights), DataType.FLOAT32));
            assertTrue(e.getMessage().contains("conv_in.weight has shape (32, 4, 1, 1), expected (32, 4, 3, 3)"), e.getMessage());
            weights.remove("conv_in.weight");
            weights.put("extra.weight", m.zeros(new Shape(1)));
            e = assertThrows(WeightsException.class,
                    () -> UNet2DConditionModel.load(cfg, WeightSource.of("mem", weights), DataType.FLOAT32));
            assertTrue(e.getMessage().contains("missing key conv_in.weight"), e.getMessage());
            assertTrue(e.getMessage().contains("unexpected key extra.weight"), e.getMessage());
        }
    }

    @Test
    void anUnsupportedConfigNamesTheFileAndTheProblem(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path f = dir.resolve("config.json");
        java.nio.file.Files.writeString(f, "{\"down_block_types\": [\"SimpleCrossAttnDownBlock2D\"], "
                + "\"up_block_types\": [\"UpBlock2D\"], \"block_out_channels\": [32]}");
        java.io.IOException e = assertThrows(java.io.IOException.class, () -> UNet2DConditionConfig.read(f));
        assertTrue(e.getMessage().startsWith(f + ": unsupported down block type SimpleCrossAttnDownBlock2D"),
                e.getMessage());
    }

    @Test
    void sd15ConfigHasTheParameterCountDiffusersReports() {
        // runwayml/stable-diffusion-v1-5's UNet has 859,520,964 parameters; built without allocating any weights
        assertEquals(859_520_964L, new UNet2DConditionModel(UNet2DConditionConfig.sd15(), null).parameterCount());
    }
}
