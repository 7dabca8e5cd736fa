package dev.diffusion4j.adapters;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.diffusion4j.Fixtures;
import dev.diffusion4j.TinySd1;
import dev.diffusion4j.TinySdxl;
import dev.diffusion4j.io.SafeTensors;
import dev.diffusion4j.nn.Model;
import dev.diffusion4j.nn.Parameter;
import dev.diffusion4j.tensor.Tensors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kohya LoRAs that name UNet modules the original (CompVis / SGM) way ({@code lora_unet_input_blocks_4_1_...}), as
 * kohya's SDXL files do, with {@code lora_te1_}/{@code lora_te2_} for SDXL's two text encoders. Which diffusers weight
 * an original name means is found here independently of the key maps, by value: the fixtures' original single files
 * hold the same weights as their folders.
 */
class SdxlLoraTest {

    /** Original modules of tiny-sdxl (2 levels, 2 layers per block): attentions, linears, 3×3 convolutions. */
    private static final List<String> SGM_MODULES = List.of(
            "input_blocks.4.1.transformer_blocks.0.attn1.to_q",
            "input_blocks.5.1.transformer_blocks.1.attn2.to_k",
            "middle_block.1.proj_out",
            "middle_block.2.in_layers.2",
            "output_blocks.2.1.transformer_blocks.1.ff.net.2",
            "output_blocks.3.0.out_layers.3");
    private static final String TE = "text_model.encoder.layers.0.self_attn.q_proj";

    @TempDir
    Path dir;

    private static Map<String, Model> sdxlParts() {
        Map<String, Model> parts = new LinkedHashMap<>(TinySdxl.model().conditioner().textEncoders());
        parts.put("unet", TinySdxl.model().unet());
        return parts;
    }

    private static Map<String, Model> sd1Parts() {
        return Map.of("text_encoder", TinySd1.textEncoder(), "unet", TinySd1.model().unet());
    }

    @AfterEach
    void restore() {
        LoraMerge.restore(sdxlParts());
        LoraMerge.restore(sd1Parts());
    }

    @Test
    void kohyaSdxlLoraMergesAsUpTimesDown() throws IOException {
        Map<String, Model> parts = sdxlParts();
        Map<String, String> patchedBy = new LinkedHashMap<>(); // "part/param" -> kohya key prefix
        try (SafeTensors single = SafeTensors.open(TinySdxl.dir().resolve("files/model.safetensors"));
             NDManager m = NDManager.newBaseManager()) {
            for (String sgm : SGM_MODULES) {
                patchedBy.put("unet/" + byValue(sgm, single, parts.get("unet")),
                        "lora_unet_" + sgm.replace('.', '_'));
            }
        }
        patchedBy.put("text_encoder/" + TE + ".weight", "lora_te1_" + TE.replace('.', '_'));
        patchedBy.put("text_encoder_2/" + TE + ".weight", "lora_te2_" + TE.replace('.', '_'));

        Map<String, float[]> before = new LinkedHashMap<>();
        Map<String, float[][]> factors = new LinkedHashMap<>();
        Path file = dir.resolve("sdxl-lora.safetensors");
        Random random = new Random(7);
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            patchedBy.forEach((target, prefix) -> {
                NDArray w = parameter(parts, target).array();
                before.put(target, w.toFloatArray());
                long[] s = w.getShape().getShape();
                float[] up = gaussian(random, (int) s[0]);
                float[] down = gaussian(random, (int) (w.size() / s[0]));
                factors.put(target, new float[][] {up, down});
                long[] downShape = s.clone();
                downShape[0] = 1;
                long[] upShape = s.length == 4 ? new long[] {s[0], 1, 1, 1} : new long[] {s[0], 1};
                tensors.put(prefix + ".lora_down.weight", Tensors.of(m, down, new Shape(downShape)));
                tensors.put(prefix + ".lora_up.weight", Tensors.of(m, up, new Shape(upShape)));
                tensors.put(prefix + ".alpha", Tensors.of(m, new float[] {0.5f}, new Shape()));
            });
            SafeTensors.write(file, tensors, Map.of());
        }

        LoraMerge.apply(List.of(Lora.parse(file + ":0.8")), parts);
        for (Map.Entry<String, float[]> e : before.entrySet()) {
            float[] w = e.getValue();
            float[] up = factors.get(e.getKey())[0];
            float[] down = factors.get(e.getKey())[1];
            float[] got = parameter(parts, e.getKey()).array().toFloatArray();
            for (int o = 0; o < up.length; o++) {
                for (int i = 0; i < down.length; i++) {
                    double want = w[o * down.length + i] + 0.8 * 0.5 / 1 * up[o] * down[i];
                    assertEquals(want, got[o * down.length + i], 1e-5, e.getKey() + "[" + o + "," + i + "]");
                }
            }
        }
        parts.forEach((part, model) -> model.patched().forEach(p ->
                assertTrue(before.containsKey(part + "/" + p), "patched only the LoRA's weights, not " + p)));
        assertEquals(before.size(), parts.values().stream().mapToInt(x -> x.patched().size()).sum());
    }

    /** lora-a (kohya, diffusers-style names) with its UNet modules renamed to the original names merges the same. */
    @Test
    void sd1KohyaLoraWithOriginalNamesMergesLikeDiffusersNames() throws IOException {
        Path files = Fixtures.root().resolve("sd1-extras/files");
        Model unet = TinySd1.model().unet();
        Map<String, String> flatToModule = new LinkedHashMap<>();
        unet.namedParameters().keySet().stream().filter(k -> k.endsWith(".weight"))
                .map(k -> k.substring(0, k.length() - ".weight".length()))
                .forEach(k -> flatToModule.put(k.replace('.', '_'), k));
        Path renamed = dir.resolve("original-names.safetensors");
        int renamedLayers = 0;
        try (SafeTensors lora = SafeTensors.open(files.resolve("lora-a.safetensors"));
             SafeTensors single = SafeTensors.open(files.resolve("model.safetensors"));
             NDManager m = NDManager.newBaseManager()) {
            Map<String, String> originalOf = originalByValue(single, unet, m);
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            for (String key : lora.names()) {
                String name = key;
                if (key.startsWith("lora_unet_")) {
                    String flat = key.substring("lora_unet_".length(), key.indexOf('.'));
                    String module = flatToModule.get(flat);
                    assertNotNull(module, key);
                    String original = originalOf.get(module + ".weight");
                    assertNotNull(original, "no original weight equals " + module);
                    name = "lora_unet_" + original.substring(0, original.length() - ".weight".length())
                            .replace('.', '_') + key.substring(key.indexOf('.'));
                    renamedLayers++;
                }
                tensors.put(name, lora.load(key, m));
            }
            SafeTensors.write(renamed, tensors, Map.of());
        }
        assertTrue(renamedLayers > 50, "renamed " + renamedLayers);
        Map<String, float[]> want = merged(files.resolve("lora-a.safetensors"), sd1Parts());
        Map<String, float[]> got = merged(renamed, sd1Parts());
        assertEquals(want.keySet(), got.keySet());
        want.forEach((k, v) -> assertArrayEquals(v, got.get(k), k));
    }

    @Test
    void originalNamesOutsideTheModelAreRefused() throws IOException {
        var parts = sdxlParts(); // outside the lambda: without fixtures the test is skipped, not failed
        Path file = dir.resolve("too-deep.safetensors");
        try (NDManager m = NDManager.newBaseManager()) {
            SafeTensors.write(file, Map.of(
                    "lora_unet_input_blocks_7_1_proj_in.lora_down.weight", m.ones(new Shape(1, 64)),
                    "lora_unet_input_blocks_7_1_proj_in.lora_up.weight", m.ones(new Shape(64, 1))), Map.of());
        }
        IOException e = assertThrows(IOException.class,
                () -> LoraMerge.apply(List.of(Lora.parse(file.toString())), parts));
        assertTrue(e.getMessage().contains("match no weight") && e.getMessage().contains("input_blocks_7_1_proj_in"),
                e.getMessage());
        sdxlParts().values().forEach(model -> assertEquals(Set.of(), model.patched()));
    }

    private static Map<String, float[]> merged(Path file, Map<String, Model> parts) throws IOException {
        LoraMerge.restore(parts);
        LoraMerge.apply(List.of(Lora.parse(file.toString())), parts);
        Map<String, float[]> out = new LinkedHashMap<>();
        parts.forEach((part, model) -> model.patched().forEach(name ->
                out.put(part + "/" + name, model.namedParameters().get(name).array().toFloatArray())));
        LoraMerge.restore(parts);
        return out;
    }

    private static Parameter parameter(Map<String, Model> parts, String target) {
        int slash = target.indexOf('/');
        return parts.get(target.substring(0, slash)).namedParameters().get(target.substring(slash + 1));
    }

    /** The one UNet parameter whose values equal the single file's {@code model.diffusion_model.<module>.weight}. */
    private static String byValue(String module, SafeTensors single, Model unet) {
        try (NDManager m = NDManager.newBaseManager()) {
            float[] want = single.load("model.diffusion_model." + module + ".weight", m).toFloatArray();
            String found = null;
            for (var e : unet.namedParameters().entrySet()) {
                if (Arrays.equals(want, e.getValue().array().toFloatArray())) {
                    assertNull(found, module + " equals two weights");
                    found = e.getKey();
                }
            }
            assertNotNull(found, module + " equals no weight");
            return found;
        }
    }

    /** Each UNet weight's original key (without model.diffusion_model.), matched by value. */
    private static Map<String, String> originalByValue(SafeTensors single, Model unet, NDManager m) {
        Map<String, String> byContent = new LinkedHashMap<>();
        for (String key : single.names()) {
            if (key.startsWith("model.diffusion_model.") && key.endsWith(".weight")) {
                byContent.put(Arrays.toString(single.load(key, m).toFloatArray()),
                        key.substring("model.diffusion_model.".length()));
            }
        }
        Map<String, String> out = new LinkedHashMap<>();
        unet.namedParameters().forEach((name, p) -> {
            String original = byContent.get(Arrays.toString(p.array().toFloatArray()));
            if (original != null) {
                out.put(name, original);
            }
        });
        return out;
    }

    private static float[] gaussian(Random random, int n) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) random.nextGaussian() * 0.1f;
        }
        return out;
    }
}
