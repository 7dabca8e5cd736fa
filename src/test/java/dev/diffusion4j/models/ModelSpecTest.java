package dev.diffusion4j.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.diffusion4j.Fixtures;
import dev.diffusion4j.io.ModelDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Families decided from model_index.json before any weight loads; unsupported ones refused by name. */
class ModelSpecTest {

    @Test
    void anSd1FolderIsOpenedWithItsConfigs() throws Exception {
        ModelSpec spec = ModelSpec.open(ModelDirectory.open(Fixtures.tinySd1(), "tiny-sd1"));
        assertEquals(ModelFamily.SD1, spec.family());
        assertEquals(2, spec.vaeScaleFactor());
        assertEquals(64, spec.nativeSize());
        assertEquals("PNDMScheduler", spec.scheduler().className());
    }

    @Test
    void anSdxlFolderIsOpenedWithBothTextEncoders() throws Exception {
        ModelSpec spec = ModelSpec.open(ModelDirectory.open(Fixtures.root().resolve("tiny-sdxl"), "tiny-sdxl"));
        assertEquals(ModelFamily.SDXL, spec.family());
        assertEquals(0, spec.textEncoder().projectionDim());
        assertEquals(32, spec.textEncoder2().projectionDim());
        assertTrue(spec.forceZerosForEmptyPrompt());
        assertEquals(0.13025f, spec.vae().scalingFactor());
        assertEquals("text_time", spec.unet().additionEmbedType());
        assertTrue(spec.source().tokenizer2().endsWith("tokenizer_2"));
    }

    @Test
    void anSdxlRefinerFolderIsRefusedByName(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("model_index.json"), "{\"_class_name\": \"StableDiffusionXLImg2ImgPipeline\", "
                + "\"requires_aesthetics_score\": true, \"text_encoder\": [null, null]}");
        UnsupportedModelException e = assertThrows(UnsupportedModelException.class,
                () -> ModelSpec.open(ModelDirectory.open(dir, "refiner")));
        assertTrue(e.getMessage().contains("Stable Diffusion XL refiner is not supported yet"), e.getMessage());
    }

    @Test
    void sdxlPartsThatDoNotFitAreNamed(@TempDir Path dir) throws Exception {
        copyTree(Fixtures.root().resolve("tiny-sdxl"), dir, "text_encoder_2/config.json", "unet/config.json",
                "vae/config.json", "text_encoder/config.json", "scheduler/scheduler_config.json", "model_index.json");
        Path te2 = dir.resolve("text_encoder_2/config.json");
        Files.writeString(te2, Files.readString(te2).replace("\"projection_dim\": 32", "\"projection_dim\": 16"));
        IOException e = assertThrows(IOException.class,
                () -> ModelSpec.open(ModelDirectory.open(dir, "bad")));
        assertTrue(e.getMessage().contains("projection_dim 16 + 6 time ids × addition_time_embed_dim 8 = 64 does "
                + "not match unet projection_class_embeddings_input_dim 80"), e.getMessage());
    }

    private static void copyTree(Path from, Path to, String... files) throws IOException {
        for (String f : files) {
            Files.createDirectories(to.resolve(f).getParent());
            Files.copy(from.resolve(f), to.resolve(f));
        }
    }

    @Test
    void anUnknownPipelineClassIsRefusedByName(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("model_index.json"), "{\"_class_name\": \"KandinskyPipeline\"}");
        UnsupportedModelException e = assertThrows(UnsupportedModelException.class,
                () -> ModelSpec.open(ModelDirectory.open(dir, "k")));
        assertTrue(e.getMessage().contains("'KandinskyPipeline'"), e.getMessage());
    }

    @Test
    void pipelineClassesMapToFamilies() {
        assertEquals(ModelFamily.SD1, ModelFamily.ofPipelineClass("StableDiffusionPipeline"));
        assertEquals(ModelFamily.INPAINTING, ModelFamily.ofPipelineClass("StableDiffusionInpaintPipeline"));
        assertEquals(ModelFamily.SDXL, ModelFamily.ofPipelineClass("StableDiffusionXLPipeline"));
        assertEquals(ModelFamily.UNKNOWN, ModelFamily.ofPipelineClass("FluxPipeline"));
    }
}
