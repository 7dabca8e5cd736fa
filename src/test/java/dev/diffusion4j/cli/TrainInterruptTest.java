package dev.diffusion4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.diffusion4j.io.SafeTensors;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM to a real {@code d4j train-vae} process while it writes a checkpoint (its temporary file exists): the
 * process ends with 143, leaves no temporary file, and the checkpoint it had completed before stays readable. Then a
 * {@code --resume} removes a temporary left by a run that could not clean up (SIGKILL) and says so.
 */
class TrainInterruptTest {

    @TempDir
    Path dir;

    @Test
    void sigtermWhileCheckpointingLeavesNoTemporaryAndResumeRemovesStaleOnes() throws Exception {
        Path out = dir.resolve("out");
        // a VAE whose checkpoint (weights, EMA, two Adam moments) takes long enough to write that the poll sees it
        String[] run = {"train-vae", "--data", "shapes", "--resolution", "16", "--batch", "1", "--channels", "64,128",
            "--norm-groups", "32", "--checkpoint-every", "1", "-t", "1", "-o", out.toString()};
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), D4j.class.getName()));
        cmd.addAll(List.of(run));
        cmd.addAll(List.of("--steps", "100000"));
        Path err = dir.resolve("err.txt");
        Process p = new ProcessBuilder(cmd).redirectOutput(dir.resolve("out.txt").toFile())
                .redirectError(err.toFile()).start();
        boolean caught = false;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        try {
            while (!caught && p.isAlive() && System.nanoTime() < deadline) {
                caught = !temporaries(out).isEmpty() && Files.exists(out.resolve("checkpoint.safetensors"));
                Thread.sleep(0, 200_000);
            }
            p.destroy(); // SIGTERM
            assertTrue(p.waitFor(20, TimeUnit.SECONDS), "d4j did not end after SIGTERM");
        } finally {
            p.destroyForcibly();
        }
        String stderr = Files.readString(err, StandardCharsets.UTF_8);
        assertTrue(caught, "no checkpoint was being written within 20 s: " + stderr + " " + (Files.isDirectory(out)
                ? Files.list(out).toList() : "no " + out));
        assertEquals(143, p.exitValue(), stderr);
        assertEquals(List.of(), temporaries(out), stderr);
        assertTrue(stderr.contains("d4j: interrupted; removed " + out.resolve(".checkpoint.safetensors.")), stderr);
        assertFalse(stderr.contains("\tat "), stderr);
        long step;
        try (SafeTensors st = SafeTensors.open(out.resolve("checkpoint.safetensors"), false)) {
            step = Long.parseLong(st.metadata().get("step"));
        }
        assertTrue(step >= 1, "step " + step);

        Path stale = Files.write(out.resolve(".checkpoint.safetensors.sigkill.tmp"), new byte[1_000_000]);
        String[] resume = new String[run.length + 3];
        System.arraycopy(run, 0, resume, 0, run.length);
        resume[run.length] = "--resume";
        resume[run.length + 1] = "--steps";
        resume[run.length + 2] = Long.toString(step + 1);
        GenerateCommandTest.Run r = GenerateCommandTest.run(resume);
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("removed " + stale + " (1.0 MB), left by an interrupted run"), r.err());
        assertTrue(r.err().contains("resumed from " + out.resolve("checkpoint.safetensors") + " at step " + step),
                r.err());
        assertEquals(List.of(), temporaries(out));
    }

    /** Temporaries anywhere under {@code out}. */
    private static List<Path> temporaries(Path out) throws IOException {
        if (!Files.isDirectory(out)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(out)) {
            return s.filter(q -> q.getFileName().toString().endsWith(".tmp")).toList();
        } catch (IOException | RuntimeException e) {
            return List.of(); // a file renamed away while walking: poll again
        }
    }
}
