package dev.diffusion4j.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.diffusion4j.Fixtures;
import dev.diffusion4j.io.ModelDirectory;
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
    void anSdxlFolderIsRefusedByName() {
        Path sdxl = Fixtures.root().resolve("tiny-sdxl");
        UnsupportedModelException e = assertThrows(UnsupportedModelException.class,
                () -> ModelSpec.open(ModelDirectory.open(sdxl, "tiny-sdxl")));
        assertTrue(e.getMessage().contains("Stable Diffusion XL is not supported yet"), e.getMessage());
        assertTrue(e.getMessage().contains("StableDiffusionXLPipeline"), e.getMessage());
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
