package dev.diffusion4j.text;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * CLIP's BPE over one pre-token (already mapped to {@link ByteUnicode} characters): start from single characters
 * with {@code </w>} glued to the last one, then repeatedly merge every left-to-right, non-overlapping occurrence of
 * the adjacent pair with the lowest merge rank until no adjacent pair has a rank. Thread-safe.
 */
final class BytePairEncoder {

    static final String END_OF_WORD = "</w>";

    /**
     * HF's BPE cache is unbounded; a long-running server sees endless distinct words, so this one is emptied when it
     * reaches this size (a cache miss only costs time).
     */
    private static final int CACHE_LIMIT = 100_000;

    /** Merge rank by {@code "first second"}, the merges.txt line. */
    private final SymbolTable ranks;
    private final Map<String, List<String>> cache = new ConcurrentHashMap<>();

    BytePairEncoder(SymbolTable ranks) {
        this.ranks = ranks;
    }

    /** The BPE symbols of {@code word}; the last one ends in {@code </w>}. */
    List<String> encode(String word) {
        if (word.equals(ClipTokenizer.START_OF_TEXT) || word.equals(ClipTokenizer.END_OF_TEXT)) {
            // HF seeds its cache with these two, so the regex's special-token matches map to themselves, no </w>.
            return List.of(word);
        }
        List<String> cached = cache.get(word);
        if (cached != null) {
            return cached;
        }
        List<String> symbols = merge(split(word));
        if (cache.size() >= CACHE_LIMIT) {
            cache.clear();
        }
        cache.put(word, symbols);
        return symbols;
    }

    private static List<String> split(String word) {
        List<String> symbols = new ArrayList<>(word.length());
        word.codePoints().forEach(cp -> symbols.add(Character.toString(cp)));
        int last = symbols.size() - 1;
        symbols.set(last, symbols.get(last) + END_OF_WORD);
        return symbols;
    }

    private List<String> merge(List<String> word) {
        while (word.size() > 1) {
            int best = Integer.MAX_VALUE;
            String first = null;
            String second = null;
            for (int i = 0; i + 1 < word.size(); i++) {
                int rank = ranks.get(word.get(i) + " " + word.get(i + 1), -1); // ranks are >= 0
                if (rank >= 0 && rank < best) {
                    best = rank;
                    first = word.get(i);
                    second = word.get(i + 1);
                }
            }
            if (first == null) {
                break;
            }
            List<String> merged = new ArrayList<>(word.size());
            for (int i = 0; i < word.size(); i++) {
                if (i + 1 < word.size() && word.get(i).equals(first) && word.get(i + 1).equals(second)) {
                    merged.add(first + second);
                    i++;
                } else {
                    merged.add(word.get(i));
                }
            }
            word = merged;
        }
        return List.copyOf(word);
    }
}
