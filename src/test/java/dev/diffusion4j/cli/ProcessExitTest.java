package dev.diffusion4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.diffusion4j.Fixtures;
import dev.diffusion4j.io.Png;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@code d4j} process, which loads libtorch in the background while it parses its arguments and ends with
 * {@code _exit} once libtorch is loaded: what it printed and wrote must all be there, the exit code must be the
 * command's, and the engine must run with the threads the command asked for.
 */
class ProcessExitTest {

    @TempDir
    Path dir;

    record Result(int code, String out, String err) {}

    private Result d4j(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), D4j.class.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectOutput(dir.resolve("out.txt").toFile())
                .redirectError(dir.resolve("err.txt").toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "d4j did not finish");
        return new Result(p.exitValue(), Files.readString(dir.resolve("out.txt"), StandardCharsets.UTF_8),
                Files.readString(dir.resolve("err.txt"), StandardCharsets.UTF_8));
    }

    @Test
    void everythingPrintedAndWrittenSurvivesTheExit() throws Exception {
        Path png = dir.resolve("x.png");
        Result r = d4j("generate", "-m", Fixtures.tinySd1().toString(), "-p", "a red circle", "--steps", "2",
                "--seed", "3", "-o", png.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(png.toAbsolutePath().toString(), r.out().strip());
        assertTrue(Png.readText(png).get("parameters").contains("Seed: 3"), r.err());
    }

    @Test
    void aFailureAfterLibtorchLoadedKeepsItsCodeAndMessage() throws Exception {
        Path broken = dir.resolve("broken");
        Files.createDirectories(broken.resolve("unet"));
        for (String part : List.of("model_index.json", "scheduler", "text_encoder", "tokenizer", "vae")) {
            copyTree(Fixtures.tinySd1().resolve(part), broken.resolve(part));
        }
        Files.copy(Fixtures.tinySd1().resolve("unet/config.json"), broken.resolve("unet/config.json"));
        Result r = d4j("generate", "-m", broken.toString(), "-p", "x", "-o", dir.resolve("y.png").toString());
        assertEquals(1, r.code(), r.err());
        String[] lines = r.err().strip().split("\n");
        String last = lines[lines.length - 1];
        assertTrue(last.startsWith("d4j: ") && last.contains("part 'unet' has no weights"), r.err());
        assertTrue(Files.notExists(dir.resolve("y.png")));
    }

    @Test
    void threadsChosenAfterThePreloadAreTheOnesLibtorchRuns() throws Exception {
        Result r = d4j("info", "--threads", "1");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("intra-op +1 threads")), r.out());
    }

    @Test
    void aUsageErrorWhileLibtorchPreloadsEndsWithItsCodeAndMessage() throws Exception {
        Result r = d4j("generate", "-p", "x", "--steps", "many", "-o", dir.resolve("z.png").toString());
        assertEquals(2, r.code(), r.err());
        assertEquals("Invalid value for option '--steps': 'many' is not an int",
                r.err().lines().findFirst().orElse(""));
        assertTrue(Files.notExists(dir.resolve("z.png")));
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (var paths = Files.walk(from)) {
            for (Path p : paths.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }
}
