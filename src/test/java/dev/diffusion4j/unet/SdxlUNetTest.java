package dev.diffusion4j.unet;

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
import dev.diffusion4j.models.BuiltInConfigs;
import dev.diffusion4j.models.ModelFamily;
import dev.diffusion4j.nn.WeightSource;
import dev.diffusion4j.tensor.Engines;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The SDXL UNet of tiny-sdxl: text_time added conditioning, per-level transformer depth, linear projections. */
class SdxlUNetTest {

    static List<Fixtures.Case> cases() {
        return Fixtures.cases("tiny-sdxl", "sdxl_unet");
    }

    static UNet2DConditionModel load() throws Exception {
        Engines.start(0);
        Path dir = Fixtures.root().resolve("tiny-sdxl").resolve("unet");
        UNet2DConditionConfig config = UNet2DConditionConfig.read(dir.resolve("config.json"));
        return WeightSource.fromFile(dir.resolve("diffusion_pytorch_model.safetensors"),
                w -> UNet2DConditionModel.load(config, w, DataType.FLOAT32));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void matchesDiffusers(Fixtures.Case c) throws Exception {
        try (UNet2DConditionModel unet = load(); NDManager m = NDManager.newBaseManager()) {
            NDArray sample = TinySd1.array(m, c.input("sample"));
            NDArray context = TinySd1.array(m, c.input("encoder_hidden_states"));
            AddedConditions added = new AddedConditions(TinySd1.array(m, c.input("text_embeds")),
                    TinySd1.array(m, c.input("time_ids")));
            NDArray t = m.create((float) c.params().get("timestep").getAsInt());
            NDArray out = unet.forward(sample, t, context, added);
            c.check("noise_pred", TinySd1.floats(out));
        }
    }

    @Test
    void configReadsTextTimeAndPerLevelDepth() throws Exception {
        try (UNet2DConditionModel unet = load()) {
            UNet2DConditionConfig c = unet.config();
            assertEquals("text_time", c.additionEmbedType());
            assertEquals(8, c.additionTimeEmbedDim());
            assertEquals(80, c.projectionClassEmbeddingsInputDim());
            assertEquals(List.of(1, 2), Arrays.stream(c.transformerLayersPerBlock()).boxed().toList());
            var params = unet.namedParameters();
            assertEquals(new Shape(128, 80), params.get("add_embedding.linear_1.weight").shape());
            assertTrue(params.containsKey("down_blocks.1.attentions.0.transformer_blocks.1.attn2.to_k.weight"));
            assertTrue(params.containsKey("up_blocks.0.attentions.2.transformer_blocks.1.norm3.weight"));
            assertTrue(params.containsKey("mid_block.attentions.0.transformer_blocks.1.ff.net.2.weight"));
        }
    }

    @Test
    void addedConditionsAreRequiredAndChecked() throws Exception {
        try (UNet2DConditionModel unet = load(); NDManager m = NDManager.newBaseManager()) {
            NDArray sample = m.zeros(new Shape(1, 4, 8, 8));
            NDArray t = m.create(1f);
            NDArray ctx = m.zeros(new Shape(1, 77, 64));
            IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                    () -> unet.forward(sample, t, ctx));
            assertTrue(missing.getMessage().contains("needs added conditions"), missing.getMessage());
            AddedConditions wrong = new AddedConditions(m.zeros(new Shape(1, 16)), m.zeros(new Shape(1, 6)));
            IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                    () -> unet.forward(sample, t, ctx, wrong));
            assertTrue(shape.getMessage().contains("projection_class_embeddings_input_dim 80"), shape.getMessage());
        }
    }

    @Test
    void sdxlBaseConfigHasTheParameterCountDiffusersReports() throws Exception {
        String json = BuiltInConfigs.forFamily(ModelFamily.SDXL, null)
                .get("unet");
        UNet2DConditionConfig c = UNet2DConditionConfig.from(
                JsonParser.parseString(json).getAsJsonObject());
        // stabilityai/stable-diffusion-xl-base-1.0's UNet: 2,567,463,684 parameters; built without any weights
        assertEquals(2_567_463_684L, new UNet2DConditionModel(c, null).parameterCount());
    }
}
