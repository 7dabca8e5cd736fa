package dev.diffusion4j.fuzz;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Fuzzes every parser of untrusted bytes (see {@link Targets}); RELIABILITY.md has the long run's numbers.
 *
 * <p>{@code mvn test} runs each target for a few seconds ({@code -Dd4j.fuzz.seconds}, default 3: ~30 s in all).
 * {@code -Dd4j.fuzz.inputs=N} runs N inputs per target instead, without a time limit: the long run.
 * {@code -Dd4j.fuzz.target=NAME,...} picks targets, {@code -Dd4j.fuzz.seed=S} the base seed (default: fixed, so
 * that {@code mvn test} is reproducible). Findings are saved under {@code target/fuzz-failures/}.
 */
class ParserFuzzTest {

    private static final long DEFAULT_SEED = 20250101L;

    @TestFactory
    List<DynamicTest> everyInputEndsInAResultOrADocumentedRefusal() throws IOException {
        Path fixtures = fixtures();
        long seed = Long.getLong("d4j.fuzz.seed", DEFAULT_SEED);
        long inputs = Long.getLong("d4j.fuzz.inputs", Long.MAX_VALUE);
        long nanos = inputs == Long.MAX_VALUE ? (long) (Double.parseDouble(
                System.getProperty("d4j.fuzz.seconds", "3")) * 1e9) : Long.MAX_VALUE;
        String picked = System.getProperty("d4j.fuzz.target");
        List<String> only = picked == null ? null : List.of(picked.split(","));
        FuzzRunner runner = new FuzzRunner(Path.of("target", "fuzz-failures"),
                Long.getLong("d4j.fuzz.timeoutMillis", 5_000));
        return Targets.all(fixtures).stream().filter(t -> only == null || only.contains(t.name()))
                .map(t -> DynamicTest.dynamicTest(t.name(), () -> {
                    FuzzRunner.Result r = runner.run(t, seed, inputs, nanos);
                    System.out.printf(Locale.ROOT, "fuzz %-32s %,10d inputs %,10d refused %8.1f s %d findings%n",
                            r.target(), r.inputs(), r.refused(), r.nanos() / 1e9, r.findings().size());
                    assertTrue(r.findings().isEmpty(), () -> r.findings().size() + " findings in " + r.target()
                            + ", inputs saved under target/fuzz-failures:\n" + r.findings().stream().limit(20)
                            .map(f -> "  seed " + f.seed() + " input " + f.index() + ": " + f.what())
                            .collect(Collectors.joining("\n")));
                }))
                .toList();
    }

    /**
     * Every seed parses as it is: the real tiny-sd1 files and the hand-made ones are valid inputs, so a refusal of one
     * means a check that is too strict (the truncated VAE safetensors seed is refused by design, and skipped).
     */
    @TestFactory
    List<DynamicTest> everySeedIsAccepted() throws IOException {
        return Targets.all(fixtures()).stream().map(t -> DynamicTest.dynamicTest(t.name(), () -> {
            Path dir = Files.createTempDirectory("d4j-seed");
            try {
                int n = t.name().equals("safetensors") ? 3 : t.seeds().size();
                for (int i = 0; i < n; i++) {
                    t.body().run(t.seeds().get(i), dir);
                }
            } finally {
                try (var files = Files.list(dir)) {
                    for (Path f : files.toList()) Files.delete(f);
                }
                Files.delete(dir);
            }
        })).toList();
    }

    /** The shared fixtures when present (they add real seeds); the hand-made seeds alone otherwise. */
    private static Path fixtures() {
        String override = System.getProperty("d4j.fixtures");
        Path p = override != null ? Path.of(override) : Path.of("..", "shared", "fixtures");
        if (Files.isDirectory(p)) {
            return p;
        }
        System.err.println("fuzz: no fixtures at " + p.toAbsolutePath().normalize()
                + ": hand-made seeds only (tokenizer targets skipped)");
        return null;
    }
}
