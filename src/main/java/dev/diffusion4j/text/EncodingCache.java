package dev.diffusion4j.text;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The last few prompt encodings of a conditioner, least recently used dropped first, so that a request that changes
 * only the seed does not run the text encoders again. Values live on the Java heap (not in a request's NDManager) and
 * are computed outside the lock: two threads asking for the same new key may both encode it, which is harmless.
 */
final class EncodingCache<K, V> {

    private final Map<K, V> entries;

    EncodingCache(int capacity) {
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                return size() > capacity;
            }
        };
    }

    /** The cached value of {@code key}, or {@code compute}'s, which is then kept. */
    V get(K key, Supplier<V> compute) {
        V v;
        synchronized (entries) {
            v = entries.get(key);
        }
        if (v == null) {
            v = compute.get();
            synchronized (entries) {
                entries.put(key, v);
            }
        }
        return v;
    }

    /** Forgets every encoding (the encoders' weights changed, or were freed). */
    void clear() {
        synchronized (entries) {
            entries.clear();
        }
    }
}
