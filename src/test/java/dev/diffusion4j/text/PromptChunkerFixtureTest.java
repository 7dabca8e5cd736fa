package dev.diffusion4j.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import dev.diffusion4j.Fixtures;
import dev.diffusion4j.TinySd1;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The sd1-extras cases made with A1111's own code: {@code a1111_text_encoder} lists the parsed runs, every chunk's
 * token ids and the weighted embeddings; {@code prompt_syntax} and {@code embeddings} give the embeddings' length,
 * i.e. the chunk count.
 */
class PromptChunkerFixtureTest {

    private static ClipTokenizer tokenizer;

    @BeforeAll
    static void load() throws IOException {
        try {
            Fixtures.root();
        } catch (IllegalStateException e) {
            Assumptions.assumeTrue(false, "skipped: " + e.getMessage());
        }
        tokenizer = ClipTokenizer.load(Fixtures.tinySd1().resolve("tokenizer"));
    }

    static List<Fixtures.Case> encoderCases() {
        return fixtureCases("a1111_text_encoder");
    }

    static List<Fixtures.Case> syntaxCases() {
        return fixtureCases("prompt_syntax");
    }

    /** Empty when the fixtures are absent, so that {@link #load} reports the skip. */
    private static List<Fixtures.Case> fixtureCases(String kind) {
        try {
            Fixtures.root();
        } catch (IllegalStateException e) {
            return List.of();
        }
        return Fixtures.cases("sd1-extras", kind);
    }

    @ParameterizedTest
    @MethodSource("encoderCases")
    void parsesLikeA1111(Fixtures.Case c) {
        List<WeightedText> actual = PromptParser.parse(c.params().get("prompt").getAsString());
        JsonArray expected = c.params().getAsJsonArray("parsed");
        assertEquals(expected.size(), actual.size(), () -> c + ": " + actual);
        for (int i = 0; i < expected.size(); i++) {
            JsonArray run = expected.get(i).getAsJsonArray();
            assertEquals(run.get(0).getAsString(), actual.get(i).text(), c + " run " + i);
            assertEquals(Double.doubleToLongBits(run.get(1).getAsDouble()),
                    Double.doubleToLongBits(actual.get(i).weight()), c + " run " + i + " weight");
        }
    }

    @ParameterizedTest
    @MethodSource("encoderCases")
    void chunksLikeA1111(Fixtures.Case c) {
        List<PromptChunk> chunks = chunker().chunk(c.params().get("prompt").getAsString());
        JsonArray expected = c.params().getAsJsonArray("chunk_tokens");
        assertEquals(expected.size(), chunks.size(), c + ": chunk count");
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(longs(expected.get(i).getAsJsonArray()), chunks.get(i).tokens(), c + " chunk " + i);
        }
    }

    /** Encodes each chunk with tiny-sd1's text encoder (A1111's clip skip 1 = the last layer), weights, concatenates. */
    @ParameterizedTest
    @MethodSource("encoderCases")
    void weightedEmbeddingsMatch(Fixtures.Case c) {
        assertEquals(1, c.params().get("clip_skip").getAsInt(), c + ": this test encodes with the last layer only");
        ClipTextModel te = TinySd1.textEncoder();
        List<float[]> parts = new ArrayList<>();
        try (NDManager m = NDManager.newBaseManager()) {
            for (PromptChunk chunk : chunker().chunk(c.params().get("prompt").getAsString())) {
                long[] ids = chunk.tokens();
                NDArray z = te.forward(m.create(ids, new Shape(1, ids.length)), 0).lastHiddenState();
                int channels = (int) z.getShape().get(2);
                parts.add(Emphasis.applyMultipliers(TinySd1.floats(z), chunk.multipliers(), channels));
            }
        }
        float[] all = new float[parts.stream().mapToInt(p -> p.length).sum()];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        c.check("embeds", all);
    }

    @ParameterizedTest
    @MethodSource("syntaxCases")
    void chunkCountGivesTheEmbeddingLength(Fixtures.Case c) {
        for (String side : List.of("cond", "uncond")) {
            String key = side.equals("cond") ? "prompt" : "negative_prompt";
            JsonElement p = c.params().get(key);
            String prompt = p == null || p.isJsonNull() ? "" : p.getAsString();
            long[] shape = c.expected(side).shape();
            assertEquals(shape[1], 77L * chunker().chunk(prompt).size(), c + "/" + side + ": " + prompt);
        }
    }

    @Test
    void embeddingTriggersAreFileStems() {
        Map<String, Integer> vectors = new LinkedHashMap<>();
        vectors.put("glowstyle", 2);
        vectors.put("badhands", 3);
        vectors.put("cattoy", 1);
        PromptChunker chunker = new PromptChunker(tokenizer, EmbeddingLookup.byName(tokenizer, vectors));
        PromptChunk c = chunker.chunk("a portrait of a woman, GlowStyle, oil painting").get(0);
        assertEquals(1, c.embeddings().size());
        EmbeddingAt at = c.embeddings().get(0);
        assertEquals("glowstyle", at.name());
        assertEquals(2, at.vectors());
        // BOS, "a portrait of a woman ," = 6 tokens, so the vectors start at position 7
        assertEquals(7, at.position());
        assertEquals(PromptChunker.PLACEHOLDER_ID, c.tokens()[7]);
        assertEquals(PromptChunker.PLACEHOLDER_ID, c.tokens()[8]);
        assertEquals(List.of(new EmbeddingAt(1, "badhands", 3)), chunker.chunk("badhands, blurry").get(0).embeddings());
    }

    private static PromptChunker chunker() {
        return new PromptChunker(tokenizer, EmbeddingLookup.NONE);
    }

    private static long[] longs(JsonArray a) {
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsLong();
        }
        return out;
    }
}
