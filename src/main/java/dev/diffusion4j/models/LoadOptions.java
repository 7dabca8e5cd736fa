package dev.diffusion4j.models;

import ai.djl.ndarray.types.DataType;
import dev.diffusion4j.nn.WeightSource;
import dev.diffusion4j.vae.VaeTiling;
import java.util.Objects;

/**
 * How to load a model: the dtype weights are held in, a wrapper applied to every part's weight source (a LoRA merge,
 * a dtype widening: the {@code WeightSource} chain of DESIGN.md § 4), and the freeing policy.
 *
 * @param dtype the dtype of the loaded weights (float32 is the reference)
 * @param weights applied to each part's weights after its key map, before the strict loader sees them
 * @param freeParamsImmediately one-shot use, like stable-diffusion.cpp's CLI: a generation frees the text encoder once
 *     the prompt is encoded and the UNet before the VAE decodes, so peak memory is the largest part rather than all
 *     of them; the model cannot generate again afterwards
 * @param vaeTiling whether the VAE decodes and encodes in tiles (bounded memory for large images)
 */
public record LoadOptions(DataType dtype, WeightWrapper weights, boolean freeParamsImmediately, VaeTiling vaeTiling) {

    /** Wraps one part's weight source. */
    @FunctionalInterface
    public interface WeightWrapper {
        /** The source the loader reads {@code part} ("unet", "vae", "text_encoder", ...) from. */
        WeightSource wrap(String part, WeightSource source);

        /** No wrapping. */
        WeightWrapper NONE = (part, source) -> source;
    }

    public LoadOptions {
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(weights, "weights");
        Objects.requireNonNull(vaeTiling, "vaeTiling");
    }

    /** Options with automatic VAE tiling. */
    public LoadOptions(DataType dtype, WeightWrapper weights, boolean freeParamsImmediately) {
        this(dtype, weights, freeParamsImmediately, VaeTiling.AUTO);
    }

    /** float32, no wrapping, weights kept for any number of generations, VAE tiled above its pixel budget. */
    public static LoadOptions defaults() {
        return new LoadOptions(DataType.FLOAT32, WeightWrapper.NONE, false);
    }

    public LoadOptions withDtype(DataType d) {
        return new LoadOptions(d, weights, freeParamsImmediately, vaeTiling);
    }

    public LoadOptions withWeights(WeightWrapper w) {
        return new LoadOptions(dtype, w, freeParamsImmediately, vaeTiling);
    }

    public LoadOptions withFreeParamsImmediately(boolean free) {
        return new LoadOptions(dtype, weights, free, vaeTiling);
    }

    public LoadOptions withVaeTiling(VaeTiling t) {
        return new LoadOptions(dtype, weights, freeParamsImmediately, t);
    }
}
