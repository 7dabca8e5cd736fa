package dev.diffusion4j.adapters;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.diffusion4j.Fixtures;
import dev.diffusion4j.TinySd1;
import dev.diffusion4j.io.SafeTensors;
import dev.diffusion4j.nn.Model;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LoRA layouts on tiny-sd1's UNet and text encoder: the older diffusers layouts give the PEFT file's weights bit for
 * bit (same factors, other names), kohya's gives them to float rounding (alpha/rank applied here, folded there);
 * LyCORIS types and keys that fit nothing are refused before any weight changes.
 */
class LoraMergeTest {

    @TempDir
    Path dir;

    private static Map<String, Model> parts() {
        Map<String, Model> parts = new LinkedHashMap<>();
        parts.put("text_encoder", TinySd1.textEncoder());
        parts.put("unet", TinySd1.model().unet());
        return parts;
    }

    @AfterEach
    void restore() {
        TinySd1.model().conditioner().clearCache();
        LoraMerge.restore(parts());
    }

    private static Path files() {
        return Fixtures.root().resolve("sd1-extras/files");
    }

    /** The merged value of every patched weight, after applying {@code file} at weight 1 to fresh weights. */
    private static Map<String, float[]> merged(Path file) throws IOException {
        LoraMerge.restore(parts());
        LoraMerge.apply(List.of(Lora.parse(file.toString())), parts());
        Map<String, float[]> out = new LinkedHashMap<>();
        parts().forEach((part, model) -> model.patched().forEach(name ->
                out.put(part + "/" + name, model.namedParameters().get(name).array().toFloatArray())));
        LoraMerge.restore(parts());
        return out;
    }

    /** The PEFT fixture with its keys renamed. */
    private Path renamed(String name, UnaryOperator<String> rename) throws IOException {
        Path out = dir.resolve(name);
        try (SafeTensors st = SafeTensors.open(files().resolve("lora-a-peft.safetensors"));
             NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            for (String key : st.names()) {
                tensors.put(rename.apply(key), st.load(key, m));
            }
            SafeTensors.write(out, tensors, Map.of());
        }
        return out;
    }

    @Test
    void olderDiffusersLayoutsMergeLikePeft() throws IOException {
        Map<String, float[]> peft = merged(files().resolve("lora-a-peft.safetensors"));
        assertTrue(peft.size() > 50, "patched " + peft.size());
        Path linear = renamed("old.safetensors", k -> k.replace(".lora_A.weight", ".lora.down.weight")
                .replace(".lora_B.weight", ".lora.up.weight"));
        assertBitEqual(peft, merged(linear));
        // attention processors: unet.<attn>.processor.to_q_lora.down.weight, text_encoder.<attn>.to_q_lora...
        Path processors = renamed("procs.safetensors", k -> {
            String down = k.endsWith(".lora_A.weight") ? "down" : "up";
            String base = k.substring(0, k.lastIndexOf(".lora_"));
            for (String[] r : new String[][] {{".to_q", "to_q_lora"}, {".to_k", "to_k_lora"}, {".to_v", "to_v_lora"},
                    {".to_out.0", "to_out_lora"}, {".q_proj", "to_q_lora"}, {".k_proj", "to_k_lora"},
                    {".v_proj", "to_v_lora"}, {".out_proj", "to_out_lora"}}) {
                if (base.endsWith(r[0])) {
                    String owner = base.substring(0, base.length() - r[0].length());
                    return owner + (owner.startsWith("unet.") ? ".processor." : ".") + r[1] + "." + down + ".weight";
                }
            }
            return base + ".lora_linear_layer." + down + ".weight";
        });
        assertBitEqual(peft, merged(processors));
    }

    @Test
    void kohyaAndPeftFilesOfOneLoraMergeAlike() throws IOException {
        Map<String, float[]> peft = merged(files().resolve("lora-a-peft.safetensors"));
        Map<String, float[]> kohya = merged(files().resolve("lora-a.safetensors"));
        assertEquals(peft.keySet(), kohya.keySet());
        peft.forEach((k, v) -> {
            float[] w = kohya.get(k);
            for (int i = 0; i < v.length; i++) {
                assertEquals(v[i], w[i], 1e-6 * Math.max(1, Math.abs(v[i])), k + "[" + i + "]");
            }
        });
    }

    @Test
    void lycorisTypesAreRefusedByName() throws IOException {
        Path loha = renamed("loha.safetensors", k -> k.replace(".lora_A.weight", ".hada_w1_a")
                .replace(".lora_B.weight", ".hada_w1_b"));
        IOException e = assertThrows(IOException.class, () -> LoraMerge.apply(List.of(Lora.parse(loha.toString())), parts()));
        assertTrue(e.getMessage().contains("LoHa") && e.getMessage().contains("not supported yet"), e.getMessage());
        Path lokr = renamed("lokr.safetensors", k -> k.replace(".lora_A.weight", ".lokr_w1"));
        e = assertThrows(IOException.class, () -> LoraMerge.apply(List.of(Lora.parse(lokr.toString())), parts()));
        assertTrue(e.getMessage().contains("LoKr"), e.getMessage());
    }

    @Test
    void keysThatFitNothingChangeNothing() throws IOException {
        Path wrong = renamed("wrong.safetensors", k -> k.replace("up_blocks.1.", "up_blocks.7."));
        IOException e = assertThrows(IOException.class,
                () -> LoraMerge.apply(List.of(Lora.parse(files().resolve("lora-b.safetensors") + ":0.5"),
                        Lora.parse(wrong.toString())), parts()));
        assertTrue(e.getMessage().contains("match no weight") && e.getMessage().contains("up_blocks.7."), e.getMessage());
        parts().values().forEach(m -> assertEquals(0, m.patched().size(), "nothing merged"));
        Path unknown = renamed("unknown.safetensors", k -> k.replace(".lora_B.weight", ".something.weight"));
        e = assertThrows(IOException.class, () -> LoraMerge.apply(List.of(Lora.parse(unknown.toString())), parts()));
        assertTrue(e.getMessage().contains("no known LoRA layout") && e.getMessage().contains(".something.weight"),
                e.getMessage());
    }

    @Test
    void fileAndWeightParse() {
        Lora l = Lora.parse("/x/my:lora.safetensors:0.75");
        assertEquals(Path.of("/x/my:lora.safetensors"), l.file());
        assertEquals(0.75, l.unetWeight());
        assertEquals("my:lora", l.name());
        assertEquals(1.0, Lora.parse("/x/a.safetensors").textEncoderWeight());
    }

    private static void assertBitEqual(Map<String, float[]> want, Map<String, float[]> got) {
        assertEquals(want.keySet(), got.keySet());
        want.forEach((k, v) -> assertArrayEquals(v, got.get(k), k));
    }
}
