package dev.diffusion4j.text;

import java.util.Map;

/**
 * The tokenizer's string-to-int lookups (vocabulary ids, merge ranks): a hash map when parsed from the folder's files,
 * {@link SortedSymbols} when read back from {@link TokenizerCache}.
 */
interface SymbolTable {

    int size();

    /** Whether {@code key} is present. */
    boolean contains(String key);

    /** The value of {@code key}, or {@code absent} when it is not present. */
    int get(String key, int absent);

    /** A view of {@code map} (not copied). */
    static SymbolTable of(Map<String, Integer> map) {
        return new SymbolTable() {
            @Override
            public int size() {
                return map.size();
            }

            @Override
            public boolean contains(String key) {
                return map.containsKey(key);
            }

            @Override
            public int get(String key, int absent) {
                Integer v = map.get(key);
                return v == null ? absent : v;
            }
        };
    }
}
