package dev.diffusion4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.diffusion4j.io.ModelDirectory;
import dev.diffusion4j.io.SafeTensors;
import dev.diffusion4j.tensor.Engines;
import dev.diffusion4j.vae.AutoencoderKL;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Opening single files: built-in configs, refusals by name, and standalone VAE files in both layouts. */
class SingleFileSpecTest {

    @Test
    void withoutConfigAnSd1FileGetsTheBuiltInSd15ArchitectureAndTokenizer() throws Exception {
        Path file = ModelFixtures.root().resolve("sd1-extras/files/model.safetensors");
        ModelSpec spec = ModelSpec.open(file, null, null);
        assertEquals(ModelFamily.SD1, spec.family());
        assertEquals("model", spec.name());
        assertEquals(512, spec.nativeSize());
        assertEquals(768, spec.unet().crossAttentionDim());
        assertEquals(Installation.clipTokenizer(), spec.tokenizer());
        assertEquals(49408, spec.loadTokenizer().vocabSize());
        assertEquals(49407, spec.loadTokenizer().padId());
    }

    @Test
    void aConfigFolderGivesTheArchitectureAndThePredictionTypeCanBeOverridden() throws Exception {
        Path root = ModelFixtures.root();
        ModelSpec spec = ModelSpec.open(root.resolve("sd1-extras/files/model.ckpt"), root.resolve("tiny-sd1"),
                PredictionType.V_PREDICTION);
        assertEquals(64, spec.nativeSize());
        assertEquals("v_prediction", spec.scheduler().get("prediction_type"));
        assertEquals(root.resolve("tiny-sd1/tokenizer"), spec.tokenizer());
    }

    @Test
    void anSdxlFileIsRefusedAsNotSupportedYet() {
        Path file = ModelFixtures.root().resolve("tiny-sdxl/files/model.safetensors");
        UnsupportedModelException e = assertThrows(UnsupportedModelException.class,
                () -> ModelSpec.open(file, null, null));
        assertTrue(e.getMessage().contains("Stable Diffusion XL is not supported yet"), e.getMessage());
    }

    @Test
    void aLoraIsRefusedByWhatItLooksLike() {
        Path file = ModelFixtures.root().resolve("sd1-extras/files/lora-a.safetensors");
        UnsupportedModelException e = assertThrows(UnsupportedModelException.class,
                () -> ModelSpec.open(file, null, null));
        assertTrue(e.getMessage().contains("looks like a LoRA"), e.getMessage());
    }

    @Test
    void anSd2FileWithoutConfigNeedsThePredictionType(@TempDir Path dir) throws Exception {
        Engines.start(0);
        Path file = dir.resolve("sd2.safetensors");
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> t = new LinkedHashMap<>();
            t.put("model.diffusion_model.input_blocks.0.0.weight", m.zeros(new Shape(8, 4, 3, 3)));
            t.put("cond_stage_model.model.ln_final.weight", m.zeros(new Shape(8)));
            SafeTensors.write(file, t, Map.of());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelSpec.open(file, null, null));
        assertTrue(e.getMessage().contains("--prediction-type"), e.getMessage());
    }

    @Test
    void aWrongExtensionIsRefusedByName(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("model.bin");
        Files.writeString(file, "x");
        IOException e = assertThrows(IOException.class, () -> ModelSpec.open(file, null, null));
        assertTrue(e.getMessage().contains(".safetensors, .ckpt, .pt, .pth"), e.getMessage());
    }

    /** --vae: the tiny VAE in the original layout (cut out of the single file) and in diffusers' own load alike. */
    @Test
    void aStandaloneVaeFileReplacesTheVaeInEitherLayout(@TempDir Path dir) throws Exception {
        Engines.start(0);
        Path root = ModelFixtures.root();
        Path original = dir.resolve("vae-original.safetensors");
        try (SafeTensors file = SafeTensors.open(root.resolve("sd1-extras/files/model.safetensors"));
             NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> vae = new LinkedHashMap<>();
            for (String k : file.names()) {
                if (k.startsWith("first_stage_model.")) {
                    vae.put(k.substring("first_stage_model.".length()), file.load(k, m, DataType.FLOAT32));
                }
            }
            vae.put("loss.logvar", m.zeros(new Shape(1)));
            SafeTensors.write(original, vae, Map.of());
        }
        ModelSpec folder = ModelSpec.open(ModelDirectory.open(root.resolve("tiny-sd1"), "tiny-sd1"));
        Path diffusers = root.resolve("tiny-sd1/vae/diffusion_pytorch_model.safetensors");
        try (AutoencoderKL want = load(folder);
             AutoencoderKL fromOriginal = load(folder.withVae(original));
             AutoencoderKL fromDiffusers = load(folder.withVae(diffusers))) {
            for (AutoencoderKL got : new AutoencoderKL[] {fromOriginal, fromDiffusers}) {
                want.namedParameters().forEach((name, p) -> assertArrayEquals(p.array().toFloatArray(),
                        got.namedParameters().get(name).array().toFloatArray(), name));
            }
        }
    }

    @Test
    void aWholeModelIsNotAVae() throws Exception {
        Path root = ModelFixtures.root();
        ModelSpec folder = ModelSpec.open(ModelDirectory.open(root.resolve("tiny-sd1"), "tiny-sd1"));
        IOException e = assertThrows(IOException.class,
                () -> load(folder.withVae(root.resolve("sd1-extras/files/model.safetensors"))));
        assertTrue(e.getMessage().contains("not a VAE"), e.getMessage());
    }

    private static AutoencoderKL load(ModelSpec spec) throws IOException {
        return spec.load("vae", LoadOptions.defaults(), w -> AutoencoderKL.load(spec.vae(), w, DataType.FLOAT32));
    }
}
