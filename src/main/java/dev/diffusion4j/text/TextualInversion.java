package dev.diffusion4j.text;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One textual-inversion embedding: {@code vectors} learned token embeddings of width {@code dim}, triggered by
 * {@code name} (the file stem, as A1111 and stable-diffusion.cpp do).
 *
 * @param values {@code vectors × dim} floats, row-major; empty for an embedding made for another architecture
 * @param dim the vectors' width, or -1 for an SDXL embedding ({@code clip_l}/{@code clip_g}), which fits no SD 1.x/2.x
 *     encoder
 * @param shortHash the first 12 hex digits of the file's SHA-256 (A1111's "TI hashes")
 */
public record TextualInversion(String name, Path file, int vectors, int dim, float[] values, String shortHash) {

    public TextualInversion {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(file, "file");
        if (vectors < 1) {
            throw new IllegalArgumentException(file + ": an embedding needs at least one vector");
        }
    }

    /** The vectors, checked against the text encoder's width. */
    float[] valuesFor(int hiddenSize) {
        if (dim != hiddenSize) {
            throw new IllegalArgumentException("embedding " + file + " (\"" + name + "\" in the prompt) has vectors of "
                    + (dim < 0 ? "an SDXL embedding (clip_l/clip_g)" : "width " + dim)
                    + ", but this model's text encoder takes width " + hiddenSize);
        }
        return values;
    }
}
