package dev.diffusion4j.text;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * Splits a prompt into the 77-token chunks A1111 encodes one by one and concatenates
 * ({@code FrozenCLIPEmbedderWithCustomWordsBase.tokenize_line} in {@code modules/sd_hijack_clip.py}):
 * <ol>
 *   <li>The prompt is parsed into weighted runs ({@link PromptParser}); each run is tokenized on its own, without
 *       BOS/EOS, so a word never spans two runs.</li>
 *   <li>Tokens fill a chunk of 75 (the tokenizer's {@code maxLength - 2}); each carries its run's weight.</li>
 *   <li>When a chunk is full and the next token is not a comma, and the chunk's last comma is at most
 *       {@code commaBacktrack} (A1111's {@code comma_padding_backtrack}, 20 by default, 0 = off) tokens from its
 *       end, the tokens after that comma move to the next chunk. A full chunk whose next token is a comma closes
 *       as it is, and the comma opens the next one.</li>
 *   <li>A {@code BREAK} run closes the current chunk, even an empty one: a prompt starting with BREAK begins with an
 *       all-padding chunk. A BREAK at the very end adds nothing.</li>
 *   <li>A textual-inversion trigger ({@link EmbeddingLookup}) becomes one placeholder token (id 0) per vector; if
 *       they do not all fit in the current chunk, the chunk is closed and they go whole into the next.</li>
 *   <li>Each chunk is closed as {@code [BOS] tokens, padded to 75 with EOS, [EOS]} (multiplier 1.0 for the
 *       added positions); an empty prompt gives one such chunk.</li>
 * </ol>
 * One A1111 quirk is kept on purpose: when tokens move after a comma, embeddings among them stay recorded in the
 * chunk they left (at positions that are now padding) while their placeholder ids move on.
 */
public final class PromptChunker {

    /** A1111's default {@code comma_padding_backtrack}. */
    public static final int DEFAULT_COMMA_BACKTRACK = 20;

    /** The token id A1111 puts where an embedding's vectors go (they replace its token embedding). */
    static final long PLACEHOLDER_ID = 0;

    private final Function<String, List<Integer>> tokenize;
    private final int bosId;
    private final int eosId;
    private final int padId;
    private final int commaId;
    private final int chunkLength;
    private final int commaBacktrack;
    private final EmbeddingLookup embeddings;

    PromptChunker(Function<String, List<Integer>> tokenize, int bosId, int eosId, int padId, int commaId,
                  int chunkLength, int commaBacktrack, EmbeddingLookup embeddings) {
        if (chunkLength < 1 || commaBacktrack < 0) {
            throw new IllegalArgumentException("chunkLength " + chunkLength + " must be >= 1 and commaBacktrack "
                    + commaBacktrack + " >= 0");
        }
        this.tokenize = tokenize;
        this.bosId = bosId;
        this.eosId = eosId;
        this.padId = padId;
        this.commaId = commaId;
        this.chunkLength = chunkLength;
        this.commaBacktrack = commaBacktrack;
        this.embeddings = Objects.requireNonNull(embeddings, "embeddings");
    }

    /** A1111's chunking with its default comma back-off of 20 tokens. */
    public PromptChunker(ClipTokenizer tokenizer, EmbeddingLookup embeddings) {
        this(tokenizer, embeddings, DEFAULT_COMMA_BACKTRACK);
    }

    /** @param commaBacktrack A1111's {@code comma_padding_backtrack}: 0 turns the comma back-off off */
    public PromptChunker(ClipTokenizer tokenizer, EmbeddingLookup embeddings, int commaBacktrack) {
        this(tokenizer::encode, tokenizer.bosId(), tokenizer.eosId(), tokenizer.padId(), commaId(tokenizer),
                tokenizer.maxLength() - 2, commaBacktrack, embeddings);
    }

    /** The id of {@code ",</w>"}, which is what a lone comma tokenizes to; -1 (never matches) if it does not. */
    private static int commaId(ClipTokenizer tokenizer) {
        List<Integer> ids = tokenizer.encode(",");
        return ids.size() == 1 ? ids.get(0) : -1;
    }

    /** The prompt's chunks, after {@link PromptParser#parse}. */
    public List<PromptChunk> chunk(String prompt) {
        return chunk(PromptParser.parse(prompt));
    }

    /** Chunks of already parsed runs. */
    public List<PromptChunk> chunk(List<WeightedText> runs) {
        Builder b = new Builder();
        for (WeightedText run : runs) {
            if (run.isBreak()) {
                b.close();
                continue;
            }
            List<Integer> tokens = tokenize.apply(run.text());
            int position = 0;
            while (position < tokens.size()) {
                int token = tokens.get(position);
                if (token == commaId) {
                    b.lastComma = b.tokens.size();
                } else if (commaBacktrack != 0 && b.tokens.size() == chunkLength && b.lastComma != -1
                        && b.tokens.size() - b.lastComma <= commaBacktrack) {
                    b.moveToNextChunk(b.lastComma + 1);
                }
                if (b.tokens.size() == chunkLength) {
                    b.close();
                }
                EmbeddingLookup.Match match = embeddings.find(tokens, position);
                if (match == null) {
                    b.add(token, run.weight());
                    position++;
                    continue;
                }
                if (match.vectors() > chunkLength) {
                    // A1111 would build an over-long chunk that the text encoder then rejects
                    throw new IllegalArgumentException("embedding " + match.name() + " has " + match.vectors()
                            + " vectors, more than a chunk's " + chunkLength + " tokens");
                }
                if (b.tokens.size() + match.vectors() > chunkLength) {
                    b.close();
                }
                b.fixes.add(new EmbeddingAt(b.tokens.size() + 1, match.name(), match.vectors()));
                for (int i = 0; i < match.vectors(); i++) {
                    b.add(PLACEHOLDER_ID, run.weight());
                }
                position += match.triggerTokens();
            }
        }
        if (!b.tokens.isEmpty() || b.chunks.isEmpty()) {
            b.close();
        }
        return List.copyOf(b.chunks);
    }

    /**
     * The ids to give the text encoder for {@code chunk}. For tokenizers whose pad token is EOS (SD 1.x) these are
     * the chunk's tokens; otherwise (SD 2.x, pad {@code !} = 0) every position after the first EOS becomes the pad
     * id, as A1111's {@code process_tokens} does when {@code id_end != id_pad}.
     */
    public long[] encoderTokens(PromptChunk chunk) {
        long[] ids = chunk.tokens();
        if (padId == eosId) {
            return ids;
        }
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] == eosId) {
                Arrays.fill(ids, i + 1, ids.length, padId);
                break;
            }
        }
        return ids;
    }

    /** The chunk being filled and the chunks already closed ({@code tokenize_line}'s local state). */
    private final class Builder {
        final List<PromptChunk> chunks = new ArrayList<>();
        List<Long> tokens = new ArrayList<>();
        List<Double> multipliers = new ArrayList<>();
        List<EmbeddingAt> fixes = new ArrayList<>();
        int lastComma = -1;

        void add(long token, double multiplier) {
            tokens.add(token);
            multipliers.add(multiplier);
        }

        /** Closes the current chunk at {@code from}; the tokens from there on start the next one. */
        void moveToNextChunk(int from) {
            List<Long> movedTokens = new ArrayList<>(tokens.subList(from, tokens.size()));
            List<Double> movedMultipliers = new ArrayList<>(multipliers.subList(from, multipliers.size()));
            tokens.subList(from, tokens.size()).clear();
            multipliers.subList(from, multipliers.size()).clear();
            close();
            tokens = movedTokens;
            multipliers = movedMultipliers;
        }

        /** A1111's {@code next_chunk}: pad with EOS to the chunk length, wrap in BOS/EOS, start an empty chunk. */
        void close() {
            int length = chunkLength + 2;
            long[] ids = new long[length];
            double[] weights = new double[length];
            Arrays.fill(ids, eosId);
            Arrays.fill(weights, 1.0);
            ids[0] = bosId;
            for (int i = 0; i < tokens.size(); i++) {
                ids[i + 1] = tokens.get(i);
                weights[i + 1] = multipliers.get(i);
            }
            chunks.add(new PromptChunk(ids, weights, fixes));
            tokens = new ArrayList<>();
            multipliers = new ArrayList<>();
            fixes = new ArrayList<>();
            lastComma = -1;
        }
    }
}
