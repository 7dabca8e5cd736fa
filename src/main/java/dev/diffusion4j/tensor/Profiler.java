package dev.diffusion4j.tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Wall time per operation kind, for {@code d4j bench --profile}. libtorch runs CPU ops eagerly, so the time between
 * a call and its return is the op's cost. Off by default; when off a call costs one branch.
 */
public final class Profiler {

    private static volatile boolean enabled;
    private static final Map<String, long[]> TOTALS = new LinkedHashMap<>();

    private Profiler() {}

    public static void enable(boolean on) {
        enabled = on;
    }

    public static synchronized void reset() {
        TOTALS.clear();
    }

    /** Nanoseconds and call counts by op kind since the last reset. */
    public static synchronized Map<String, long[]> totals() {
        Map<String, long[]> copy = new LinkedHashMap<>();
        TOTALS.forEach((k, v) -> copy.put(k, v.clone()));
        return copy;
    }

    static long start() {
        return enabled ? System.nanoTime() : 0;
    }

    static <T> T stop(String op, long start, T result) {
        if (enabled) {
            long dt = System.nanoTime() - start;
            synchronized (Profiler.class) {
                long[] t = TOTALS.computeIfAbsent(op, k -> new long[2]);
                t[0] += dt;
                t[1]++;
            }
        }
        return result;
    }
}
