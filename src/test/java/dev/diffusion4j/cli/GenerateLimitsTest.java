package dev.diffusion4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.diffusion4j.Fixtures;
import dev.diffusion4j.io.Png;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reliability issue's reproductions for {@code generate}: each is refused before any weight loads, with exit 2,
 * one line naming the flag or file and the limit, no stack trace, and no output file.
 */
class GenerateLimitsTest {

    @TempDir
    Path dir;

    private GenerateCommandTest.Run refused(String expected, String... args) {
        GenerateCommandTest.Run r = GenerateCommandTest.run(args);
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains(expected), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
        assertFalse(Files.exists(dir.resolve("o.png")));
        return r;
    }

    private String out() {
        return dir.resolve("o.png").toString();
    }

    @Test
    void hugeImagesAndBatchesAreRefusedUpFront() {
        refused("8192x8192 × 1 image(s) = 67108864 pixels exceeds the limit of 4194304 (raise it with --max-pixels)",
                "generate", "-p", "x", "-W", "8192", "-H", "8192", "--steps", "1", "-o", out());
        refused("exceeds the limit of 4194304", "generate", "-p", "x", "-b", "64", "-W", "512", "-H", "512", "-o", out());
        refused("exceeds the limit of 1000", "generate", "-p", "x", "--max-pixels", "1000", "-o", out());
        refused("--max-pixels: the pixel limit must be ≥ 1", "generate", "-p", "x", "--max-pixels", "0", "-o", out());
    }

    @Test
    void anInitImageLargerThanTheLimitIsRefusedFromItsHeader() throws Exception {
        Path big = dir.resolve("big.png");
        Png.write(big, new BufferedImage(2000, 1000, BufferedImage.TYPE_INT_RGB), Map.of());
        refused("--init-img: ", "generate", "-p", "x", "-i", big.toString(), "--max-pixels", "1000000", "-o", out());
    }

    @Test
    void threadsOutOfRangeAreRefused() {
        refused("-t/--threads must be in [1, ", "generate", "-p", "x", "-t", "100000", "-o", out());
        refused("-t/--threads must be in [1, ", "generate", "-p", "x", "-t", "0", "-o", out());
    }

    @Test
    void strengthWithoutAnInitImageAndZeroDenoisingStepsAreUsageErrors() throws Exception {
        refused("--strength needs --init-img", "generate", "-p", "x", "--strength", "0.5", "-o", out());
        Path init = dir.resolve("init.png");
        Files.copy(Fixtures.tinySd1().resolve("goldens/img2img_ddim.input.png"), init);
        refused("leaves no denoising step", "generate", "-m", Fixtures.tinySd1().toString(), "-p", "x",
                "-i", init.toString(), "--strength", "1e-9", "-o", out());
    }

    @Test
    void anInitImageSmallerThanOneLatentCellIsRefused() throws Exception {
        Path tiny = dir.resolve("tiny.png");
        Png.write(tiny, new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB), Map.of());
        refused("init image 1x1 is smaller than the model's", "generate", "-m", Fixtures.tinySd1().toString(), "-p",
                "x", "-i", tiny.toString(), "-o", out());
    }

    @Test
    void benchRefusesUnknownPartsAndThreadCounts() {
        refused("--skip bogus: expected parts among [text_encoder, unet, vae]", "bench", "--skip", "bogus");
        refused("-t/--threads must be in [1, ", "bench", "-t", "0");
    }

    @Test
    void aBatchWhoseWriteFailsHalfWaySaysWhichFilesExist() throws Exception {
        // the second image's name is taken by a folder: as a full disk would, its write fails after the first's
        Files.createDirectories(dir.resolve("o_1.png"));
        GenerateCommandTest.Run r = GenerateCommandTest.run("generate", "-p", "a red circle", "-b", "2", "--steps",
                "2", "--seed", "1", "-o", out());
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("image 2 of 2; written: " + out()), r.err());
        assertTrue(r.err().contains("o_1.png: is a directory, not a regular file"), r.err());
        assertTrue(Files.isRegularFile(dir.resolve("o.png")));
        assertTrue(Files.isDirectory(dir.resolve("o_1.png")));
    }
}
