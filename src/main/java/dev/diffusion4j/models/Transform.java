package dev.diffusion4j.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import java.util.Arrays;

/**
 * How one diffusers tensor is computed from one tensor of an original (CompVis / SGM) single file. Every transform
 * is a view-like rearrangement of a single source tensor: no arithmetic, so values stay bit-identical.
 */
public enum Transform {
    /** The same tensor under another name. */
    IDENTITY,
    /** A 1×1 convolution weight {@code [out, in, 1, 1]} used where diffusers has a linear layer {@code [out, in]}. */
    CONV_TO_LINEAR,
    /** The transpose of a 2-D tensor: open_clip stores {@code text_projection} as {@code [width, proj]} (x @ P). */
    TRANSPOSE,
    /** Rows {@code [0, n/3)} of a fused attention {@code in_proj} (open_clip's q, k, v stacked along dim 0). */
    FUSED_Q,
    /** Rows {@code [n/3, 2n/3)} of a fused {@code in_proj}. */
    FUSED_K,
    /** Rows {@code [2n/3, n)} of a fused {@code in_proj}. */
    FUSED_V;

    /** The shape this transform gives a source tensor of shape {@code source}, or fails naming {@code key}. */
    long[] shape(String key, long[] source) {
        switch (this) {
            case IDENTITY:
                return source.clone();
            case CONV_TO_LINEAR:
                require(source.length == 4 && source[2] == 1 && source[3] == 1, key, source, "a [out, in, 1, 1] conv weight");
                return new long[] {source[0], source[1]};
            case TRANSPOSE:
                require(source.length == 2, key, source, "a 2-D matrix");
                return new long[] {source[1], source[0]};
            default:
                require(source.length >= 1 && source[0] % 3 == 0, key, source, "a fused q/k/v tensor (3·C rows)");
                long[] s = source.clone();
                s[0] /= 3;
                return s;
        }
    }

    /** Applies this transform; only IDENTITY and CONV_TO_LINEAR results share memory with {@code source}. */
    NDArray apply(NDArray source) {
        switch (this) {
            case IDENTITY:
                return source;
            case CONV_TO_LINEAR:
                return source.reshape(source.getShape().get(0), source.getShape().get(1));
            case TRANSPOSE:
                // flatten copies the transposed view into contiguous memory, which readers of raw buffers expect.
                return source.transpose(1, 0).flatten().reshape(source.getShape().get(1), source.getShape().get(0));
            default:
                long third = source.getShape().get(0) / 3;
                long start = third * (ordinal() - FUSED_Q.ordinal());
                // A copy, not a view: a view would keep the whole fused tensor alive for the model's lifetime.
                return source.get(new NDIndex("{}:{}", start, start + third)).duplicate();
        }
    }

    private static void require(boolean ok, String key, long[] shape, String what) {
        if (!ok) {
            throw new IllegalArgumentException(key + " has shape " + Arrays.toString(shape) + ", expected " + what);
        }
    }
}
