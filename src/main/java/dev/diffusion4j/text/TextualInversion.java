package dev.diffusion4j.text;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * One textual-inversion embedding: {@code vectors} learned token embeddings, triggered by {@code name} (the file
 * stem, as A1111 and stable-diffusion.cpp do). An SD 1.x/2.x embedding holds one tensor, which A1111 gives to every
 * text encoder; an SDXL embedding (A1111 / kohya) holds one per encoder, {@code clip_l} for CLIP ViT-L and
 * {@code clip_g} for OpenCLIP bigG, each encoder taking its own (A1111's {@code EmbeddingsWithFixes}
 * {@code textual_inversion_key}).
 *
 * @param tensors {@code vectors × width} floats, row-major, by encoder key ({@link #CLIP_L}, {@link #CLIP_G}), or
 *     under {@link #ANY_ENCODER} for a one-tensor embedding
 * @param shortHash the first 12 hex digits of the file's SHA-256 (A1111's "TI hashes")
 */
public record TextualInversion(String name, Path file, int vectors, Map<String, float[]> tensors, String shortHash) {

    /** The key of a one-tensor (SD 1.x/2.x) embedding's vectors. */
    public static final String ANY_ENCODER = "";
    /** The key of SDXL's first encoder (CLIP ViT-L) in SDXL embedding files. */
    public static final String CLIP_L = "clip_l";
    /** The key of SDXL's second encoder (OpenCLIP bigG) in SDXL embedding files. */
    public static final String CLIP_G = "clip_g";

    public TextualInversion {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(file, "file");
        tensors = Map.copyOf(tensors);
        if (vectors < 1) {
            throw new IllegalArgumentException(file + ": an embedding needs at least one vector");
        }
        for (Map.Entry<String, float[]> e : tensors.entrySet()) {
            if (e.getValue().length == 0 || e.getValue().length % vectors != 0) {
                throw new IllegalArgumentException(file + ": tensor " + (e.getKey().isEmpty() ? "" : e.getKey() + " ")
                        + "of " + e.getValue().length + " values is not " + vectors + " vectors");
            }
        }
    }

    /** An SDXL embedding: one tensor per encoder. */
    public boolean sdxl() {
        return !tensors.containsKey(ANY_ENCODER);
    }

    /**
     * A1111's {@code Embedding.shape}: the vectors' width, or for an SDXL embedding the widths of {@code clip_l} and
     * {@code clip_g} added (2048 for SDXL base), which is what a model's encoders must add up to.
     */
    public int width() {
        return tensors.values().stream().mapToInt(v -> v.length / vectors).sum();
    }

    /**
     * The vectors for one text encoder, checked against its width.
     *
     * @param encoderKey {@link #ANY_ENCODER} for an SD 1.x/2.x encoder, {@link #CLIP_L} or {@link #CLIP_G} for
     *     SDXL's
     * @param encoderName how messages name the encoder ("text_encoder_2")
     */
    float[] valuesFor(String encoderKey, String encoderName, int hiddenSize) {
        float[] values = tensors.get(ANY_ENCODER);
        if (values == null) {
            values = tensors.get(encoderKey);
        }
        if (values == null) {
            throw new IllegalArgumentException("embedding " + file + " (\"" + name + "\" in the prompt) is an SDXL "
                    + "embedding (" + String.join("/", tensors.keySet().stream().sorted().toList())
                    + "), which fits no text encoder of this model");
        }
        int width = values.length / vectors;
        if (width != hiddenSize) {
            throw new IllegalArgumentException("embedding " + file + " (\"" + name + "\" in the prompt) has "
                    + (encoderKey.isEmpty() || !sdxl() ? "" : encoderKey + " ") + "vectors of width " + width
                    + ", but this model's " + encoderName + " takes width " + hiddenSize);
        }
        return values;
    }
}
