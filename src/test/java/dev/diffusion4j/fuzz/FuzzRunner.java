package dev.diffusion4j.fuzz;

import dev.diffusion4j.io.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * Runs one target over mutated seeds. Input {@code i} of a run with base seed {@code s} is mutated with
 * {@code new Random(s + i)}, so a finding is reproduced from the two numbers (saved beside the input). Each input runs
 * on a worker thread with a time limit: a hang is a finding too, and its thread is abandoned (daemon).
 */
final class FuzzRunner {

    /** One input that ended in something other than success or an allowed exception with a message. */
    record Finding(String target, long seed, long index, String what, Path saved) {}

    /** Totals of a run. */
    record Result(String target, long inputs, long refused, long nanos, List<Finding> findings) {}

    private final Path failures;
    private final long timeLimitMillis;

    FuzzRunner(Path failures, long timeLimitMillis) {
        this.failures = failures;
        this.timeLimitMillis = timeLimitMillis;
    }

    /** Runs until {@code maxInputs} inputs or {@code maxNanos} have passed, whichever comes first. */
    Result run(Targets.Target t, long seed, long maxInputs, long maxNanos) throws IOException, InterruptedException {
        List<Finding> findings = new ArrayList<>();
        Path scratch = Files.createTempDirectory("d4j-fuzz-" + t.name());
        ExecutorService worker = newWorker();
        long start = System.nanoTime();
        long i = 0;
        long refused = 0;
        try {
            for (; i < maxInputs && System.nanoTime() - start < maxNanos; i++) {
                Random r = new Random(seed + i);
                byte[] base = t.seeds().get(r.nextInt(t.seeds().size()));
                // every 50th input is a seed as it is: the unmutated files must keep parsing
                byte[] input = i % 50 == 0 ? base : Mutator.mutate(base, t.seeds(), r);
                Future<?> f = worker.submit(() -> {
                    t.body().run(input, scratch);
                    return null;
                });
                String problem = null;
                try {
                    f.get(timeLimitMillis, TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    f.cancel(true);
                    worker.shutdownNow();
                    worker = newWorker();
                    problem = "hang: no result after " + timeLimitMillis + " ms";
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (allowed(t, cause) && !internalError(cause)) {
                        refused++;
                    } else {
                        problem = stackTrace(cause);
                    }
                }
                if (problem != null) {
                    findings.add(new Finding(t.name(), seed, i, firstLine(problem), save(t, seed, i, input, problem)));
                }
                clean(scratch);
            }
        } finally {
            worker.shutdownNow();
            clean(scratch);
            Files.deleteIfExists(scratch);
        }
        return new Result(t.name(), i, refused, System.nanoTime() - start, findings);
    }

    /**
     * An allowed type, with a message (what a user reads); NumberFormatException is an IllegalArgumentException
     * but leaks as Java's own "For input string", never naming the file or key.
     */
    static boolean allowed(Targets.Target t, Throwable e) {
        if (e.getMessage() == null || e.getMessage().isBlank() || e instanceof NumberFormatException) {
            return false;
        }
        if (e.getClass().getName().startsWith("dev.diffusion4j.")) {
            return true;
        }
        return t.allowed().stream().anyMatch(c -> c.isInstance(e));
    }

    /**
     * {@link Json#readConfig}'s catch-all wording of an unexpected runtime exception in a config class (a division by
     * zero, an index out of bounds): an input the class should have refused with a message of its own.
     */
    static boolean internalError(Throwable e) {
        return e instanceof IOException && String.valueOf(e.getMessage()).contains(": " + Json.INVALID + " (")
                && e.getCause() != null;
    }

    private static ExecutorService newWorker() {
        return Executors.newSingleThreadExecutor(r -> {
            Thread th = new Thread(r, "d4j-fuzz");
            th.setDaemon(true);
            return th;
        });
    }

    private Path save(Targets.Target t, long seed, long i, byte[] input, String problem) throws IOException {
        Files.createDirectories(failures);
        Path bin = failures.resolve(t.name() + "-" + seed + "-" + i + ".bin");
        Files.write(bin, input);
        Files.writeString(failures.resolve(t.name() + "-" + seed + "-" + i + ".txt"), "target: " + t.name()
                + "\nseed: " + seed + "\ninput: " + i + "\nreproduce: -Dd4j.fuzz.target=" + t.name()
                + " -Dd4j.fuzz.seed=" + (seed + i) + " -Dd4j.fuzz.inputs=1\n\n" + problem);
        return bin;
    }

    private static void clean(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                if (!p.equals(dir)) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static String stackTrace(Throwable e) {
        StringWriter w = new StringWriter();
        e.printStackTrace(new PrintWriter(w));
        return w.toString();
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
