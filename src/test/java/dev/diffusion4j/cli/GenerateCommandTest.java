package dev.diffusion4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.diffusion4j.Fixtures;
import dev.diffusion4j.io.Png;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GenerateCommandTest {

    @TempDir
    Path dir;

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = D4j.execute(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    private String model() {
        return Fixtures.tinySd1().toString();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--width|60|size 60x0 must be positive multiples of 8",
            "--steps|0|steps must be in [1, 1000], got 0",
            "--strength|1.5|strength must be in (0, 1], got 1.5",
            "--sampler|bogus|bogus",
            "--scheduler|fancy|unknown sigma schedule 'fancy'",
            "--cfg-scale|NaN|cfg scale must be a finite number"})
    void badArgumentsExitWithCode2AndOneLine(String option, String value, String message) throws Exception {
        Path out = dir.resolve("o.png");
        Path init = dir.resolve("init.png");
        Files.copy(Fixtures.tinySd1().resolve("goldens/img2img_ddim.input.png"), init);
        String[] args = switch (option) {
            case "--strength" -> new String[] {"generate", "-m", model(), "-p", "x", "-i", init.toString(), option, value,
                    "-o", out.toString()};
            case "--scheduler" -> new String[] {"generate", "-m", model(), "-p", "x", "--sampler", "euler", option, value,
                    "-o", out.toString()};
            default -> new String[] {"generate", "-m", model(), "-p", "x", option, value, "-o", out.toString()};
        };
        Run r = run(args);
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains(message), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertFalse(Files.exists(out));
    }

    /** Prompt-tool arguments checked before any weight loads (tiny-sd1's text encoder has 5 layers). */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--clip-skip 0|--clip-skip 0: must be >= 1",
            "--clip-skip 6|--clip-skip 6: the text encoder has only 5 layers",
            "--lora /nonexistent/a.safetensors:0.5|LoRA file not found: /nonexistent/a.safetensors",
            "--prompt-syntax fancy|prompt syntax 'fancy': expected a1111 or plain",
            "--embeddings-dir /nonexistent|embeddings folder not found: /nonexistent",
            "-p <lora:detail:0.5>|needs a LoRA folder (--lora-dir DIR)",
            "-p <hypernet:x:1>|only <lora:NAME:WEIGHT> tags are supported"})
    void promptToolArgumentsAreUsageErrors(String args, String message) {
        Path out = dir.resolve("o.png");
        String[] extra = args.split(" ", 2);
        String prompt = extra[0].equals("-p") ? extra[1] : "x";
        String[] all = extra[0].equals("-p")
                ? new String[] {"generate", "-m", model(), "-p", prompt, "-o", out.toString()}
                : new String[] {"generate", "-m", model(), "-p", prompt, extra[0], extra[1], "-o", out.toString()};
        Run r = run(all);
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains(message), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertFalse(Files.exists(out));
    }

    @Test
    void loraTagMissingFromTheFolderIsAUsageError() {
        Path out = dir.resolve("o.png");
        Run r = run("generate", "-m", model(), "-p", "a fox <lora:nothere:0.8>", "--lora-dir", dir.toString(),
                "-o", out.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("no LoRA named 'nothere' in " + dir), r.err());
    }

    @Test
    void missingModelIsAUsageError() {
        Path out = dir.resolve("o.png");
        Run r = run("generate", "-m", dir.resolve("nope").toString(), "-p", "x", "-o", out.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("nope"), r.err());
        assertFalse(Files.exists(out));
    }

    @Test
    void brokenModelFailsWithOneLineNamingThePart() throws Exception {
        Path model = dir.resolve("broken");
        copyTree(Fixtures.tinySd1(), model);
        Files.delete(model.resolve("unet/diffusion_pytorch_model.safetensors"));
        Path out = dir.resolve("o.png");
        String err = failsWithOneLine(model, out);
        assertTrue(err.contains("unet"), err);
    }

    @Test
    void brokenTokenizerFailsWithOneLineNamingIt() throws Exception {
        // the tokenizer loads on another thread while the weights load; its failure must still read as one line
        Path model = dir.resolve("broken-tokenizer");
        copyTree(Fixtures.tinySd1(), model);
        Files.writeString(model.resolve("tokenizer/vocab.json"), "{\"a\": ");
        Path out = dir.resolve("t.png");
        String err = failsWithOneLine(model, out);
        assertTrue(err.contains("part 'tokenizer'") && err.contains("vocab.json: malformed vocabulary JSON"), err);
    }

    /** Generating from a broken {@code model} exits 1 with one "d4j:" line, no stack trace and no image. */
    private static String failsWithOneLine(Path model, Path out) {
        Run r = run("generate", "-m", model.toString(), "-p", "x", "-o", out.toString());
        assertEquals(1, r.code(), r.err());
        assertEquals(1, r.err().strip().lines().filter(l -> l.startsWith("d4j:")).count(), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
        assertFalse(Files.exists(out));
        return r.err();
    }

    @Test
    void generatesAPngWithA1111Parameters() throws Exception {
        Path out = dir.resolve("cat.png");
        Run r = run("generate", "-m", model(), "-p", "a photo of a cat", "-n", "blurry", "--steps", "3",
                "--sampler", "euler_a", "--seed", "42", "--batch", "2", "--guidance-rescale", "0.7", "-o",
                out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains(out.toString()), r.out());
        assertTrue(Files.exists(dir.resolve("cat_1.png")));
        Map<String, String> text = Png.readText(out);
        String p = text.get("parameters");
        assertTrue(p.startsWith("a photo of a cat\nNegative prompt: blurry\nSteps: 3, Sampler: Euler a, CFG scale: 7.5, "
                + "CFG Rescale φ: 0.7, Seed: 42, Size: 64x64, Model: "), p);
        assertEquals(64, Png.read(out).getWidth());
    }

    @Test
    void defaultsToTheModelsOwnSchedulerAndAPrintedRandomSeed() throws Exception {
        Path out = dir.resolve("default.png");
        Run r = run("generate", "-m", model(), "-p", "a photo of a cat", "--steps", "2", "-o", out.toString());
        assertEquals(0, r.code(), r.err());
        String p = Png.readText(out).get("parameters");
        assertTrue(p.contains("Sampler: PLMS"), p);
        assertTrue(r.err().contains("seed: "), r.err());
        String seed = r.err().substring(r.err().indexOf("seed: ") + 6).strip();
        assertTrue(p.contains("Seed: " + seed + ","), p + " vs " + seed);
    }

    static void copyTree(Path from, Path to) throws Exception {
        try (var s = Files.walk(from)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else if (!p.toString().contains("goldens")) {
                    Files.copy(p, target);
                }
            }
        }
    }
}
