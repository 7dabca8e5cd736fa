package dev.diffusion4j.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.diffusion4j.io.SafeTensors;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Files that are not a whole model are refused with what they look like; ambiguous ones say what is missing. */
class FamilyDetectionTest {

    @ParameterizedTest
    @ValueSource(strings = {"lora-a.safetensors", "lora-b.safetensors", "lora-a-peft.safetensors"})
    void loraIsRefused(String name) throws Exception {
        FamilyDetection d = detect(ModelFixtures.root().resolve("sd1-extras/files").resolve(name));
        assertRefused(d, "looks like a LoRA; use --lora");
    }

    @ParameterizedTest
    @ValueSource(strings = {"badhands.safetensors", "cattoy.safetensors"})
    void textualInversionIsRefused(String name) throws Exception {
        FamilyDetection d = detect(ModelFixtures.root().resolve("sd1-extras/files/embeddings").resolve(name));
        assertRefused(d, "textual-inversion embedding; use --embeddings");
    }

    @Test
    void vaeAloneIsRefused() throws Exception {
        FamilyDetection d = detect(ModelFixtures.root().resolve("tiny-sd1/vae/diffusion_pytorch_model.safetensors"));
        assertRefused(d, "looks like a VAE alone; use --vae");

        Map<String, long[]> firstStage = new TreeMap<>(singleFile());
        firstStage.keySet().removeIf(k -> !k.startsWith("first_stage_model."));
        assertRefused(FamilyDetection.detect(firstStage), "VAE alone");
    }

    @Test
    void unknownFilesAreRefusedNamingTheirKeys() {
        Map<String, long[]> other = Map.of("backbone.conv.weight", new long[] {8, 3, 3, 3},
                "backbone.conv.bias", new long[] {8}, "head.weight", new long[] {10, 8});
        assertRefused(FamilyDetection.detect(other), "unrecognised file");
        assertTrue(FamilyDetection.detect(other).reason().contains("backbone.conv.bias"));
        assertRefused(FamilyDetection.detect(Map.of()), "no tensors");
    }

    @Test
    void sd2NeedsAPredictionType() {
        assertThrows(IllegalArgumentException.class, () -> BuiltInConfigs.forFamily(ModelFamily.SD2, null));
        assertTrue(BuiltInConfigs.forFamily(ModelFamily.SD2, PredictionType.V_PREDICTION).get("scheduler")
                .contains("\"v_prediction\""));
        assertTrue(BuiltInConfigs.forFamily(ModelFamily.SD2, PredictionType.EPSILON).get("scheduler")
                .contains("\"epsilon\""));
        assertThrows(IllegalArgumentException.class,
                () -> BuiltInConfigs.forFamily(ModelFamily.SD1, PredictionType.V_PREDICTION));
    }

    @Test
    void sdxlRefinerHasOnlyTheOpenClipEncoder() throws Exception {
        Map<String, long[]> refiner = new TreeMap<>();
        ModelFixtures.header(ModelFixtures.root().resolve("family-headers/sdxl-base.json")).forEach((k, s) -> {
            if (k.startsWith("conditioner.embedders.1.")) {
                refiner.put("conditioner.embedders.0." + k.substring("conditioner.embedders.1.".length()), s);
            } else if (!k.startsWith("conditioner.")) {
                refiner.put(k, s);
            }
        });
        FamilyDetection d = FamilyDetection.detect(refiner);
        assertEquals(ModelFamily.SDXL_REFINER, d.family(), d::toString);
        SingleFileMapping m = SingleFileLayout.map(refiner, ModelFamily.SDXL_REFINER);
        m.requireNoUnexpected("refiner");
        assertEquals(java.util.List.of("unet", "vae", "text_encoder_2"), java.util.List.copyOf(m.parts().keySet()));
    }

    @Test
    void emaWeightsReplaceTheUnetSources() throws Exception {
        Map<String, long[]> shapes = new TreeMap<>(singleFile());
        Map<String, long[]> ema = new TreeMap<>();
        shapes.forEach((k, s) -> {
            if (k.startsWith("model.diffusion_model.")) {
                ema.put("model_ema." + k.substring("model.".length()).replace(".", ""), s);
            }
        });
        shapes.putAll(ema);
        shapes.put("model_ema.decay", new long[0]);
        SingleFileMapping regular = SingleFileLayout.map(shapes, ModelFamily.SD1);
        regular.requireNoUnexpected("ema");
        assertTrue(regular.ignored().containsAll(ema.keySet()));
        SingleFileMapping withEma = SingleFileLayout.map(shapes, ModelFamily.SD1, true);
        withEma.requireNoUnexpected("ema");
        assertEquals("model_ema.diffusion_modelinput_blocks00weight",
                withEma.part("unet").get("conv_in.weight").key());
        assertTrue(withEma.part("unet").values().stream().allMatch(s -> ema.containsKey(s.key())));
        assertTrue(withEma.ignored().contains("model.diffusion_model.input_blocks.0.0.weight"));
        assertThrows(IllegalArgumentException.class, () -> SingleFileLayout.map(singleFile(), ModelFamily.SD1, true));
    }

    @Test
    void unexpectedKeysAreReportedByName() throws Exception {
        Map<String, long[]> shapes = new TreeMap<>(singleFile());
        shapes.put("model.diffusion_model.input_blocks.1.7.weight", new long[] {3});
        shapes.put("first_stage_model.loss.logvar", new long[0]);
        SingleFileMapping m = SingleFileLayout.map(shapes, ModelFamily.SD1);
        assertEquals(2, m.unexpected().size());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.requireNoUnexpected("f"));
        assertTrue(e.getMessage().contains("first_stage_model.loss.logvar"), e.getMessage());
    }

    private static Map<String, long[]> singleFile() throws Exception {
        try (SafeTensors f = SafeTensors.open(ModelFixtures.root().resolve("sd1-extras/files/model.safetensors"))) {
            return ModelFixtures.shapes(f);
        }
    }

    private static FamilyDetection detect(Path file) throws Exception {
        try (SafeTensors f = SafeTensors.open(file)) {
            return FamilyDetection.detect(ModelFixtures.shapes(f));
        }
    }

    private static void assertRefused(FamilyDetection d, String message) {
        assertTrue(d.refused(), d::toString);
        assertEquals(ModelFamily.UNKNOWN, d.family());
        assertTrue(d.reason().contains(message), d::toString);
    }
}
