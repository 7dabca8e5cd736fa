package dev.diffusion4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.diffusion4j.Fixtures;
import dev.diffusion4j.io.ModelDirectory;
import dev.diffusion4j.models.ModelSpec;
import dev.diffusion4j.pipelines.GenerationRequest;
import dev.diffusion4j.pipelines.StableDiffusion;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The thread count chosen from the model's configs before loading: one thread only for one tiny latent. */
class AutoThreadsTest {

    private static int threads(ModelSpec spec, int w, int h, int batch) {
        GenerationRequest r = GenerationRequest.builder("x").size(w, h).imagesPerPrompt(batch).build()
                .resolve(spec.nativeSize(), spec.vaeScaleFactor());
        return StableDiffusion.suggestedThreads(spec, r);
    }

    @Test
    void oneThreadOnlyForOneTinyLatent() throws Exception {
        ModelSpec builtIn = ModelSpec.open(DefaultModel.resolve(null));
        assertEquals(1, threads(builtIn, 0, 0, 1), "64x64 -> 16x16 latent");
        assertEquals(0, threads(builtIn, 0, 0, 2), "two images: every core");
        assertEquals(0, threads(builtIn, 128, 128, 1), "32x32 latent: every core");
        ModelSpec tiny = ModelSpec.open(ModelDirectory.open(Fixtures.tinySd1(), "tiny-sd1"));
        assertEquals(1, threads(tiny, 32, 32, 1), "16x16 latent at scale 2");
        assertEquals(0, threads(tiny, 512, 512, 1));
    }

    @Test
    void aBrokenConfigIsReportedBeforeLoadingNamingThePart(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("unet"));
        Files.createDirectories(dir.resolve("vae"));
        Files.writeString(dir.resolve("vae/config.json"), "{not json");
        Files.writeString(dir.resolve("model_index.json"), "{\"_class_name\": \"StableDiffusionPipeline\"}");
        IOException e = assertThrows(IOException.class, () -> ModelSpec.open(ModelDirectory.open(dir, "broken")));
        assertTrue(e.getMessage().startsWith("broken: part '"), e.getMessage());
    }
}
