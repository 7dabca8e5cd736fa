package dev.diffusion4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.diffusion4j.Fixtures;
import dev.diffusion4j.io.ModelDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AutoThreadsTest {

    @Test
    void oneThreadOnlyForOneTinyLatent() throws Exception {
        ModelDirectory builtIn = DefaultModel.resolve(null);
        assertEquals(1, GenerateCommand.autoThreads(builtIn, 0, 0, 1), "64x64 -> 16x16 latent");
        assertEquals(0, GenerateCommand.autoThreads(builtIn, 0, 0, 2), "two images: every core");
        assertEquals(0, GenerateCommand.autoThreads(builtIn, 128, 128, 1), "32x32 latent: every core");
        ModelDirectory tiny = ModelDirectory.open(Fixtures.tinySd1(), "tiny-sd1");
        assertEquals(1, GenerateCommand.autoThreads(tiny, 32, 32, 1), "4x4 latent at scale 8");
        assertEquals(0, GenerateCommand.autoThreads(tiny, 512, 512, 1));
    }

    @Test
    void aBrokenConfigLeavesTheChoiceToTheLoader(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("unet"));
        Files.createDirectories(dir.resolve("vae"));
        Files.writeString(dir.resolve("vae/config.json"), "{not json");
        Files.writeString(dir.resolve("model_index.json"), "{}");
        assertEquals(0, GenerateCommand.autoThreads(ModelDirectory.open(dir, "broken"), 0, 0, 1));
    }
}
