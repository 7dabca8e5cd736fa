package dev.diffusion4j.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link PromptChunker}'s rules on a toy vocabulary (one id per space-separated word) and short chunks, so every
 * expected chunk can be written out; expectations follow A1111's {@code tokenize_line} by hand.
 */
class PromptChunkerTest {

    private static final int BOS = 100;
    private static final int EOS = 101;
    private static final int COMMA = 1;
    private static final int W = 2;
    private static final int X = 3;
    private static final int EMB = 7;
    private static final long P = PromptChunker.PLACEHOLDER_ID;
    private static final Map<String, Integer> VOCAB = Map.of(",", COMMA, "w", W, "x", X, "emb", EMB);

    /** "emb" triggers a 3-vector embedding; "x emb" a longer, 2-token trigger of a 1-vector one. */
    private static final EmbeddingLookup LOOKUP = (tokens, position) -> {
        if (tokens.get(position) == X && position + 1 < tokens.size() && tokens.get(position + 1) == EMB) {
            return new EmbeddingLookup.Match("xemb", 2, 1);
        }
        return tokens.get(position) == EMB ? new EmbeddingLookup.Match("emb", 1, 3) : null;
    };

    private static PromptChunker chunker(int chunkLength, int backtrack) {
        return chunker(chunkLength, backtrack, EOS);
    }

    private static PromptChunker chunker(int chunkLength, int backtrack, int padId) {
        return new PromptChunker(PromptChunkerTest::tokenize, BOS, EOS, padId, COMMA, chunkLength, backtrack, LOOKUP);
    }

    private static List<Integer> tokenize(String text) {
        List<Integer> ids = new ArrayList<>();
        for (String word : text.trim().split("\\s+")) {
            if (!word.isEmpty()) {
                ids.add(VOCAB.get(word));
            }
        }
        return ids;
    }

    /** {@code BOS, body..., EOS padding to length, EOS}. */
    private static long[] chunk(int chunkLength, long... body) {
        long[] ids = new long[chunkLength + 2];
        Arrays.fill(ids, EOS);
        ids[0] = BOS;
        System.arraycopy(body, 0, ids, 1, body.length);
        return ids;
    }

    private static long[] words(int n) {
        long[] ids = new long[n];
        Arrays.fill(ids, W);
        return ids;
    }

    private static String repeat(String word, int n) {
        return (word + " ").repeat(n);
    }

    private static long[] concat(long[]... parts) {
        return Arrays.stream(parts).flatMapToLong(Arrays::stream).toArray();
    }

    @Test
    void emptyPromptIsOnePaddingChunk() {
        List<PromptChunk> chunks = chunker(10, 4).chunk("");
        assertEquals(1, chunks.size());
        assertArrayEquals(chunk(10), chunks.get(0).tokens());
        double[] ones = new double[12];
        Arrays.fill(ones, 1.0);
        assertArrayEquals(ones, chunks.get(0).multipliers());
    }

    @Test
    void multipliersFollowTheRuns() {
        PromptChunk c = chunker(10, 4).chunk("w (w:1.5) [w]").get(0);
        assertArrayEquals(chunk(10, W, W, W), c.tokens());
        assertArrayEquals(new double[] {1, 1, 1.5, 1 / 1.1, 1, 1, 1, 1, 1, 1, 1, 1}, c.multipliers());
    }

    @Test
    void exactlyFullPromptIsOneChunk() {
        List<PromptChunk> chunks = chunker(10, 4).chunk(repeat("w", 10));
        assertEquals(1, chunks.size());
        assertArrayEquals(chunk(10, words(10)), chunks.get(0).tokens());
    }

    @Test
    void breakFirstGivesAnEmptyChunkBreakLastNothing() {
        List<PromptChunk> first = chunker(10, 4).chunk("BREAK w");
        assertEquals(2, first.size());
        assertArrayEquals(chunk(10), first.get(0).tokens());
        assertArrayEquals(chunk(10, W), first.get(1).tokens());
        List<PromptChunk> last = chunker(10, 4).chunk("w BREAK");
        assertEquals(1, last.size());
        assertArrayEquals(chunk(10, W), last.get(0).tokens());
        assertEquals(3, chunker(10, 4).chunk("w BREAK BREAK w").size());
    }

    @Test
    void fullChunkBreaksAfterANearComma() {
        // comma at index 7 of 10: 10 - 7 = 3 <= 4, so the two words after it move on with the next word
        List<PromptChunk> chunks = chunker(10, 4).chunk(repeat("w", 7) + ", w (w:2) w");
        assertEquals(2, chunks.size());
        assertArrayEquals(chunk(10, concat(words(7), new long[] {COMMA})), chunks.get(0).tokens());
        assertArrayEquals(chunk(10, W, W, W), chunks.get(1).tokens());
        assertArrayEquals(new double[] {1, 1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1}, chunks.get(1).multipliers());
    }

    @Test
    void farCommaOrBacktrackOffSplitsAtTheLength() {
        // comma at index 5: 10 - 5 = 5 > 4
        List<PromptChunk> far = chunker(10, 4).chunk(repeat("w", 5) + ", " + repeat("w", 5));
        assertArrayEquals(chunk(10, concat(words(5), new long[] {COMMA}, words(4))), far.get(0).tokens());
        assertArrayEquals(chunk(10, W), far.get(1).tokens());
        List<PromptChunk> off = chunker(10, 0).chunk(repeat("w", 7) + ", " + repeat("w", 3));
        assertArrayEquals(chunk(10, concat(words(7), new long[] {COMMA}, words(2))), off.get(0).tokens());
        assertArrayEquals(chunk(10, W), off.get(1).tokens());
    }

    @Test
    void commaAfterAFullChunkOpensTheNext() {
        List<PromptChunk> chunks = chunker(10, 4).chunk(repeat("w", 10) + ", w");
        assertArrayEquals(chunk(10, words(10)), chunks.get(0).tokens());
        assertArrayEquals(chunk(10, COMMA, W), chunks.get(1).tokens());
    }

    @Test
    void embeddingThatFitsStaysInTheChunk() {
        PromptChunk c = chunker(10, 4).chunk(repeat("w", 7) + "(emb:1.2)").get(0);
        assertArrayEquals(chunk(10, concat(words(7), new long[] {P, P, P})), c.tokens());
        assertEquals(List.of(new EmbeddingAt(8, "emb", 3)), c.embeddings());
        assertArrayEquals(new double[] {1, 1, 1, 1, 1, 1, 1, 1, 1.2, 1.2, 1.2, 1}, c.multipliers());
    }

    @Test
    void embeddingThatWouldStraddleMovesWhole() {
        List<PromptChunk> chunks = chunker(10, 4).chunk(repeat("w", 8) + "emb w");
        assertEquals(2, chunks.size());
        assertArrayEquals(chunk(10, words(8)), chunks.get(0).tokens());
        assertEquals(List.of(), chunks.get(0).embeddings());
        assertArrayEquals(chunk(10, P, P, P, W), chunks.get(1).tokens());
        assertEquals(List.of(new EmbeddingAt(1, "emb", 3)), chunks.get(1).embeddings());
    }

    @Test
    void longestTriggerWinsAndSpansItsTokens() {
        PromptChunk c = chunker(10, 4).chunk("w x emb emb").get(0);
        assertArrayEquals(chunk(10, W, P, P, P, P), c.tokens());
        assertEquals(List.of(new EmbeddingAt(2, "xemb", 1), new EmbeddingAt(3, "emb", 3)), c.embeddings());
    }

    @Test
    void triggerSplitByWeightsDoesNotMatch() {
        // each run is tokenized and searched on its own
        assertArrayEquals(chunk(10, W, X, P, P, P), chunker(10, 4).chunk("w x (emb)").get(0).tokens());
    }

    @Test
    void embeddingsMovedAfterACommaStayRecordedWhereTheyWere() {
        // A1111 moves tokens and multipliers after the comma but not chunk.fixes
        List<PromptChunk> chunks = chunker(10, 4).chunk(repeat("w", 6) + ", x emb w w w");
        assertArrayEquals(chunk(10, concat(words(6), new long[] {COMMA})), chunks.get(0).tokens());
        assertEquals(List.of(new EmbeddingAt(8, "xemb", 1)), chunks.get(0).embeddings());
        assertArrayEquals(chunk(10, P, W, W, W), chunks.get(1).tokens());
        assertEquals(List.of(), chunks.get(1).embeddings());
    }

    @Test
    void oversizedEmbeddingIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> chunker(2, 0).chunk("emb"));
        assertEquals("embedding emb has 3 vectors, more than a chunk's 2 tokens", e.getMessage());
    }

    @Test
    void encoderTokensPadAfterTheFirstEosWhenPadDiffers() {
        PromptChunker sd2 = chunker(10, 4, 0);
        PromptChunk c = sd2.chunk("w w").get(0);
        assertArrayEquals(chunk(10, W, W), c.tokens());
        assertArrayEquals(new long[] {BOS, W, W, EOS, 0, 0, 0, 0, 0, 0, 0, 0}, sd2.encoderTokens(c));
        assertArrayEquals(c.tokens(), chunker(10, 4).encoderTokens(c));
    }
}
