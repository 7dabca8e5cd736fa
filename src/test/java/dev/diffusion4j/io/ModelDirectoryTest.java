package dev.diffusion4j.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.diffusion4j.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelDirectoryTest {

    @TempDir
    Path cache;

    @Test
    void findsTheSnapshotRefsMainNamesInTheHubCache() throws IOException {
        Path repo = cache.resolve("models--tiny--sd1");
        Path snap = repo.resolve("snapshots/0123abcd");
        Files.createDirectories(snap);
        Files.createDirectories(repo.resolve("snapshots/older"));
        Files.createDirectories(repo.resolve("refs"));
        Files.writeString(repo.resolve("refs/main"), "0123abcd\n");
        Files.copy(Fixtures.tinySd1().resolve("model_index.json"), snap.resolve("model_index.json"));
        ModelDirectory d = ModelDirectory.resolve("tiny/sd1", cache);
        assertEquals(snap, d.root());
        assertEquals("tiny/sd1", d.name());
    }

    @Test
    void aRepoIdNotInTheCacheSaysNothingIsDownloaded() {
        IOException e = assertThrows(IOException.class, () -> ModelDirectory.resolve("org/missing", cache));
        assertTrue(e.getMessage().contains("nothing is downloaded"), e.getMessage());
    }

    @Test
    void aFolderWithoutModelIndexIsNotAModel() {
        IOException e = assertThrows(IOException.class, () -> ModelDirectory.resolve(cache.toString(), cache));
        assertTrue(e.getMessage().contains("no model_index.json"), e.getMessage());
    }

    @Test
    void aPartWithOnlyBinWeightsNamesTheProblem() throws IOException {
        Files.writeString(cache.resolve("model_index.json"), "{}");
        Files.createDirectories(cache.resolve("unet"));
        Files.writeString(cache.resolve("unet/diffusion_pytorch_model.bin"), "x");
        ModelDirectory d = ModelDirectory.open(cache, "m");
        IOException e = assertThrows(IOException.class, () -> d.weights("unet"));
        assertTrue(e.getMessage().contains("only PyTorch .bin weights found"), e.getMessage());
    }
}
