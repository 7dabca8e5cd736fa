package dev.diffusion4j.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import dev.diffusion4j.Fixtures;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link TokenizerCache}: a tokenizer read back from the binary tables gives transformers' ids for tiny-sd1's fixture
 * prompts, and a damaged cache file or a changed source file is never used.
 */
class TokenizerCacheTest {

    private static final int MAX_LENGTH = 77;

    @TempDir
    Path cache;

    @TempDir
    Path copies;

    private static Path tokenizerDir() {
        return Fixtures.tinySd1().resolve("tokenizer");
    }

    private Path onlyCacheFile() throws IOException {
        try (Stream<Path> files = Files.list(cache)) {
            List<Path> all = files.toList();
            assertEquals(1, all.size(), all.toString());
            return all.get(0);
        }
    }

    /** Every fixture prompt's padded ids, as diffusers' tokenizer gave them. */
    private static void assertFixtureIds(ClipTokenizer t) {
        Fixtures.Case c = Fixtures.cases("tiny-sd1", "tokenizer").get(0);
        JsonArray prompts = c.inputs().getAsJsonArray("prompts");
        long[] padded = c.expected("input_ids").toLongs();
        for (int i = 0; i < prompts.size(); i++) {
            String prompt = prompts.get(i).getAsString();
            assertArrayEquals(Arrays.copyOfRange(padded, i * MAX_LENGTH, (i + 1) * MAX_LENGTH), t.inputIds(prompt),
                    prompt);
        }
    }

    @Test
    void tablesReadBackGiveTheFixtureIds() throws IOException {
        ClipTokenizer parsed = ClipTokenizer.load(tokenizerDir(), cache);
        Path file = onlyCacheFile();
        byte[] written = Files.readAllBytes(file);
        ClipTokenizer cached = ClipTokenizer.load(tokenizerDir(), cache);
        assertArrayEquals(written, Files.readAllBytes(file), "a valid cache is read, not rewritten");
        assertFixtureIds(parsed);
        assertFixtureIds(cached);
        ClipTokenizer plain = ClipTokenizer.load(tokenizerDir());
        assertEquals(plain.vocabSize(), cached.vocabSize());
        assertEquals(plain.bosId(), cached.bosId());
        assertEquals(plain.eosId(), cached.eosId());
        assertEquals(plain.padId(), cached.padId());
        // symbols absent from the vocabulary and unusual characters map alike
        for (String p : new String[] {"zzqqxx 😀 ǅ Ａ", "<|endoftext|>x<|startoftext|>", "", "ünïcödé naïve café"}) {
            assertEquals(plain.encode(p), cached.encode(p), p);
        }
    }

    @Test
    void aDamagedCacheIsIgnoredAndWrittenAgain() throws IOException {
        ClipTokenizer.load(tokenizerDir(), cache);
        Path file = onlyCacheFile();
        byte[] good = Files.readAllBytes(file);
        for (long at : new long[] {good.length / 2, 60, good.length - 1}) {
            try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
                f.seek(at);
                f.write(good[(int) at] ^ 0x5a);
            }
            assertFixtureIds(ClipTokenizer.load(tokenizerDir(), cache));
            assertArrayEquals(good, Files.readAllBytes(file), "byte " + at + " flipped");
        }
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(good.length / 3);
        }
        assertFixtureIds(ClipTokenizer.load(tokenizerDir(), cache));
        assertArrayEquals(good, Files.readAllBytes(file), "truncated");
    }

    @Test
    void aChangedMergesFileGetsItsOwnTables() throws IOException {
        ClipTokenizer.load(tokenizerDir(), cache);
        Path before = onlyCacheFile();
        Path copy = Files.createDirectories(copies.resolve("tok"));
        try (Stream<Path> files = Files.list(tokenizerDir())) {
            for (Path f : files.toList()) {
                Files.copy(f, copy.resolve(f.getFileName().toString()));
            }
        }
        // same size, other content: swap two merge lines' ranks
        List<String> lines = Files.readAllLines(copy.resolve("merges.txt"), StandardCharsets.UTF_8);
        int th = lines.indexOf("t h");
        int he = lines.indexOf("h e");
        assertTrue(th > 0 && he > 0, "tiny-sd1's merges have \"t h\" and \"h e\"");
        lines.set(th, "h e");
        lines.set(he, "t h");
        Files.write(copy.resolve("merges.txt"), lines, StandardCharsets.UTF_8);
        ClipTokenizer changed = ClipTokenizer.load(copy, cache);
        try (Stream<Path> files = Files.list(cache)) {
            assertEquals(2, files.count());
        }
        assertTrue(Files.exists(before));
        ClipTokenizer original = ClipTokenizer.load(tokenizerDir(), cache);
        ClipTokenizer parsedCopy = ClipTokenizer.load(copy);
        ClipTokenizer cachedCopy = ClipTokenizer.load(copy, cache);
        boolean differs = false;
        for (String p : new String[] {"the theme", "hello there", "thhe hhe", "he", "th"}) {
            assertEquals(parsedCopy.encode(p), changed.encode(p), p);
            assertEquals(parsedCopy.encode(p), cachedCopy.encode(p), p);
            differs |= !original.encode(p).equals(changed.encode(p));
        }
        assertTrue(differs, "the swapped ranks change some split");
    }
}
