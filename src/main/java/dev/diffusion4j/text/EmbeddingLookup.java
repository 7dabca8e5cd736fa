package dev.diffusion4j.text;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds the textual-inversion embedding whose trigger starts at a token position, as A1111's
 * {@code EmbeddingDatabase.find_embedding_at_position}: a trigger is the token ids of the embedding's name (the file
 * stem), and matching is on ids within one weighted run, so case and spacing follow the tokenizer.
 */
@FunctionalInterface
public interface EmbeddingLookup {

    /** No embeddings. */
    EmbeddingLookup NONE = (tokens, position) -> null;

    /**
     * A trigger that matched: the embedding's name, how many prompt tokens its trigger spans, and how many vectors
     * (token positions) it brings.
     */
    record Match(String name, int triggerTokens, int vectors) {
        public Match {
            if (triggerTokens < 1 || vectors < 1) {
                throw new IllegalArgumentException("embedding " + name + ": triggerTokens " + triggerTokens
                        + ", vectors " + vectors + " (both must be >= 1)");
            }
        }
    }

    /** The embedding whose trigger starts at {@code tokens[position]}, or null. */
    Match find(List<Integer> tokens, int position);

    /**
     * A lookup over named embeddings ({@code vectorsByName}: name to vector count, in registration order) like
     * A1111's: names are tokenized with {@code tokenizer}, candidates are grouped by first id, and the longest
     * trigger that matches wins (ties: the one registered first).
     */
    static EmbeddingLookup byName(ClipTokenizer tokenizer, Map<String, Integer> vectorsByName) {
        Map<Integer, List<Map.Entry<List<Integer>, Match>>> byFirstId = new HashMap<>();
        vectorsByName.forEach((name, vectors) -> {
            List<Integer> ids = tokenizer.encode(name);
            if (ids.isEmpty()) {
                throw new IllegalArgumentException("embedding name \"" + name + "\" has no tokens");
            }
            byFirstId.computeIfAbsent(ids.get(0), k -> new ArrayList<>())
                    .add(Map.entry(ids, new Match(name, ids.size(), vectors)));
        });
        // List.sort is stable, as Python's sorted is
        byFirstId.values().forEach(l -> l.sort(Comparator.comparingInt(
                (Map.Entry<List<Integer>, Match> e) -> e.getKey().size()).reversed()));
        return (tokens, position) -> {
            for (Map.Entry<List<Integer>, Match> c : byFirstId.getOrDefault(tokens.get(position), List.of())) {
                List<Integer> ids = c.getKey();
                if (position + ids.size() <= tokens.size()
                        && tokens.subList(position, position + ids.size()).equals(ids)) {
                    return c.getValue();
                }
            }
            return null;
        };
    }
}
