package dev.diffusion4j.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.diffusion4j.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The 25 prompts of tiny-sd1's "tokenizer" case against transformers 4.31's slow CLIPTokenizer. */
class ClipTokenizerFixtureTest {

    private static final int MAX_LENGTH = 77;

    private static ClipTokenizer tokenizer;
    private static Fixtures.Case fixture;
    private static List<String> prompts;
    private static long[] padded;
    private static List<long[]> untruncated;

    @BeforeAll
    static void load() throws IOException {
        tokenizer = ClipTokenizer.load(Fixtures.tinySd1().resolve("tokenizer"));
        fixture = Fixtures.cases("tiny-sd1", "tokenizer").get(0);
        prompts = new ArrayList<>();
        fixture.inputs().getAsJsonArray("prompts").forEach(p -> prompts.add(p.getAsString()));
        padded = fixture.expected("input_ids").toLongs();
        untruncated = readUntruncated();
    }

    /** The manifest keeps these next to "expected", outside what {@link Fixtures.Case} exposes. */
    private static List<long[]> readUntruncated() throws IOException {
        JsonObject manifest = JsonParser.parseString(
                Files.readString(Fixtures.tinySd1().resolve("cases.json"))).getAsJsonObject();
        for (JsonElement c : manifest.getAsJsonArray("cases")) {
            if (c.getAsJsonObject().get("name").getAsString().equals(fixture.name())) {
                List<long[]> out = new ArrayList<>();
                for (JsonElement row : c.getAsJsonObject().getAsJsonArray("expected_unpadded_untruncated_ids")) {
                    JsonArray a = row.getAsJsonArray();
                    out.add(IntStream.range(0, a.size()).mapToLong(i -> a.get(i).getAsLong()).toArray());
                }
                return out;
            }
        }
        throw new IllegalStateException("no case " + fixture.name() + " in cases.json");
    }

    static Stream<Arguments> prompts() {
        JsonArray all = Fixtures.cases("tiny-sd1", "tokenizer").get(0).inputs().getAsJsonArray("prompts");
        return IntStream.range(0, all.size()).mapToObj(i -> Arguments.of(i, all.get(i).getAsString()));
    }

    @Test
    void specialIdsAndLengthMatchTheManifest() {
        JsonObject p = fixture.params();
        assertEquals(p.get("max_length").getAsInt(), tokenizer.maxLength());
        assertEquals(p.get("bos_token_id").getAsInt(), tokenizer.bosId());
        assertEquals(p.get("eos_token_id").getAsInt(), tokenizer.eosId());
        assertEquals(p.get("pad_token_id").getAsInt(), tokenizer.padId());
        assertEquals(padded.length, prompts.size() * MAX_LENGTH);
        assertEquals(prompts.size(), untruncated.size());
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("prompts")
    void paddedIdsMatch(int index, String prompt) {
        long[] want = Arrays.copyOfRange(padded, index * MAX_LENGTH, (index + 1) * MAX_LENGTH);
        assertArrayEquals(want, tokenizer.inputIds(prompt));
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("prompts")
    void unpaddedIdsMatch(int index, String prompt) {
        long[] full = untruncated.get(index);
        long[] tokens = Arrays.copyOfRange(full, 1, full.length - 1);
        assertArrayEquals(tokens, tokenizer.encode(prompt).stream().mapToLong(Integer::longValue).toArray());

        long[] truncated = full;
        if (full.length > MAX_LENGTH) {
            truncated = Arrays.copyOf(full, MAX_LENGTH);
            truncated[MAX_LENGTH - 1] = tokenizer.eosId();
        }
        assertArrayEquals(truncated, tokenizer.inputIdsUnpadded(prompt));
    }
}
