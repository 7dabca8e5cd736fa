package dev.diffusion4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.diffusion4j.io.SafeTensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A training checkpoint: named tensors (weights, EMA, optimizer moments) plus metadata (step, the model configs as
 * JSON) in one safetensors file, written atomically so an interrupted save never replaces a good checkpoint.
 */
public record Checkpoint(Map<String, NDArray> tensors, Map<String, String> metadata) {

    public static void save(Path file, Map<String, NDArray> tensors, Map<String, String> metadata) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        SafeTensors.write(file, tensors, metadata);
    }

    /** Loads every tensor into {@code manager}. */
    public static Checkpoint load(Path file, NDManager manager) throws IOException {
        try (SafeTensors st = SafeTensors.open(file, false)) {
            Map<String, NDArray> out = new LinkedHashMap<>();
            for (String name : st.names()) {
                out.put(name, st.load(name, manager));
            }
            return new Checkpoint(out, st.metadata());
        }
    }

    /** Fails with one clear message when the checkpoint was made for a different model or trainer. */
    public void requireMatching(Path file, String key, String expected) throws IOException {
        requireMatching(file, key, expected, null);
    }

    /** As {@link #requireMatching(Path, String, String)}; a checkpoint without {@code key} reads as {@code absent}. */
    public void requireMatching(Path file, String key, String expected, String absent) throws IOException {
        String actual = metadata.getOrDefault(key, absent);
        if (!expected.equals(actual)) {
            throw new IOException(file + ": checkpoint " + key + " does not match this run (checkpoint: " + actual
                    + ", this run: " + expected + "); refusing to resume");
        }
    }

    public long step() {
        return Long.parseLong(metadata.getOrDefault("step", "0"));
    }

    /** The tensors whose names start with {@code prefix}, with the prefix removed. */
    public Map<String, NDArray> section(String prefix) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        tensors.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                out.put(k.substring(prefix.length()), v);
            }
        });
        return out;
    }
}
