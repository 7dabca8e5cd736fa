package dev.diffusion4j.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.diffusion4j.text.ClipTextConfig;
import dev.diffusion4j.text.ClipTextModel;
import dev.diffusion4j.unet.UNet2DConditionConfig;
import dev.diffusion4j.unet.UNet2DConditionModel;
import dev.diffusion4j.vae.AutoencoderKL;
import dev.diffusion4j.vae.AutoencoderKLConfig;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The published full-size files' keys and shapes (family-headers): detection names the family, and with that
 * family's built-in configs the map is a bijection onto the parameters of the real architecture, shape for shape.
 * The expected parameters come from the project's modules built (without weights) from the built-in configs; the
 * parts the project does not implement yet (SDXL's added time/text embedding, CLIPTextModelWithProjection's
 * projection) are added from diffusers' definitions.
 */
class FamilyHeadersTest {

    static Stream<Arguments> manifests() {
        return Stream.of(
                Arguments.of("sd15.json", ModelFamily.SD1, null),
                Arguments.of("sd15-inpainting.json", ModelFamily.INPAINTING, null),
                Arguments.of("sd21-768v.json", ModelFamily.SD2, PredictionType.V_PREDICTION),
                Arguments.of("sdxl-base.json", ModelFamily.SDXL, null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("manifests")
    void mapsOntoTheRealArchitecture(String manifest, ModelFamily family, PredictionType prediction) throws Exception {
        Path json = ModelFixtures.root().resolve("family-headers").resolve(manifest);
        Map<String, long[]> shapes = ModelFixtures.header(json);

        FamilyDetection detection = FamilyDetection.detect(shapes);
        assertEquals(family, detection.family(), detection::toString);
        assertFalse(detection.refused());
        assertEquals(family == ModelFamily.SD2, detection.needsPredictionType());

        SingleFileMapping mapping = SingleFileLayout.map(shapes, family);
        mapping.requireNoUnexpected(manifest);
        assertTrue(mapping.ignored().containsAll(ModelFixtures.buffers(json).keySet()), "buffers are ignored");

        Map<String, Map<String, long[]>> expected = expected(BuiltInConfigs.forFamily(family, prediction));
        assertEquals(expected.keySet(), mapping.parts().keySet());
        Set<String> used = new TreeSet<>();
        for (var part : expected.entrySet()) {
            Map<String, SourceTensor> map = mapping.part(part.getKey());
            assertEquals(new TreeSet<>(part.getValue().keySet()), new TreeSet<>(map.keySet()),
                    () -> part.getKey() + ": " + difference(part.getValue().keySet(), map.keySet()));
            part.getValue().forEach((name, shape) -> assertEquals(Arrays.toString(shape),
                    Arrays.toString(map.get(name).shape()), part.getKey() + "/" + name + " from " + map.get(name)));
            map.values().forEach(s -> used.add(s.key()));
        }
        // Every tensor of the file is used or deliberately ignored, never both.
        Set<String> accounted = new TreeSet<>(used);
        accounted.addAll(mapping.ignored());
        assertEquals(shapes.keySet(), accounted);
        assertTrue(mapping.ignored().stream().noneMatch(used::contains));

        if (family == ModelFamily.SD2) {
            assertTrue(mapping.ignored().containsAll(Set.of("cond_stage_model.model.text_projection",
                    "cond_stage_model.model.logit_scale",
                    "cond_stage_model.model.transformer.resblocks.23.attn.in_proj_weight")));
        }
    }

    /** Part → diffusers parameter → shape of the real architecture described by {@code configs}. */
    private static Map<String, Map<String, long[]>> expected(Map<String, String> configs) throws Exception {
        Map<String, Map<String, long[]>> out = new LinkedHashMap<>();
        JsonObject unetJson = parse(configs.get("unet"));
        UNet2DConditionConfig unet = UNet2DConditionConfig.from(unetJson);
        Map<String, long[]> unetParams = ModelFixtures.parameters(UNet2DConditionModel.class, unet);
        out.put("unet", unetParams);
        out.put("vae", ModelFixtures.parameters(AutoencoderKL.class, AutoencoderKLConfig.from(parse(configs.get("vae")))));
        out.put("text_encoder", clip(configs.get("text_encoder")));
        if (configs.containsKey("text_encoder_2")) {
            out.put("text_encoder_2", clip(configs.get("text_encoder_2")));
        }
        return out;
    }

    private static Map<String, long[]> clip(String config) throws Exception {
        JsonObject json = parse(config);
        Map<String, long[]> params = ModelFixtures.parameters(ClipTextModel.class, ClipTextConfig.from(json));
        if (json.getAsJsonArray("architectures").get(0).getAsString().equals("CLIPTextModelWithProjection")) {
            long hidden = json.get("hidden_size").getAsLong();
            params.put("text_projection.weight", new long[] {json.get("projection_dim").getAsLong(), hidden});
        }
        return params;
    }

    private static JsonObject parse(String text) {
        return JsonParser.parseString(text).getAsJsonObject();
    }

    private static String difference(Set<String> expected, Set<String> actual) {
        Set<String> missing = new TreeSet<>(expected);
        missing.removeAll(actual);
        Set<String> extra = new TreeSet<>(actual);
        extra.removeAll(expected);
        return "missing " + missing.stream().limit(5).toList() + " (" + missing.size() + "), extra "
                + extra.stream().limit(5).toList() + " (" + extra.size() + ")";
    }
}
