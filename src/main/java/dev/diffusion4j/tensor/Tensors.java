package dev.diffusion4j.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

/**
 * Java values into libtorch-owned memory. DJL's {@code NDManager.create(float[])} and {@code NDArray.set(float[])}
 * make a tensor whose storage <em>is</em> a Java direct buffer, kept alive only by that one Java wrapper. Views,
 * results autograd saves for backward, and other handles to the same tensor (a parameter's {@code .grad}) share the
 * storage without that reference: once the wrapper is closed and the buffer collected they read — or accumulate
 * into — freed memory. That was the rare SIGSEGV in training (a gradient reset through a short-lived {@code .grad}
 * handle). Everything here copies into storage torch allocated and frees itself.
 */
public final class Tensors {

    private Tensors() {}

    public static NDArray of(NDManager manager, float[] data, Shape shape) {
        try (NDArray borrowed = manager.create(data, shape)) {
            return borrowed.duplicate();
        }
    }

    public static NDArray of(NDManager manager, long[] data, Shape shape) {
        try (NDArray borrowed = manager.create(data, shape)) {
            return borrowed.duplicate();
        }
    }

    public static NDArray of(NDManager manager, float[] data) {
        return of(manager, data, new Shape(data.length));
    }

    /** A 0-d float32 tensor. */
    public static NDArray scalar(NDManager manager, float value) {
        try (NDArray borrowed = manager.create(value)) {
            return borrowed.duplicate();
        }
    }

    /** Copies {@code values} (C order) into {@code dst}'s existing storage, which every handle to it then sees. */
    public static void assign(NDArray dst, float[] values) {
        if (values.length != dst.size()) {
            throw new IllegalArgumentException("assign: " + values.length + " values for a tensor of shape "
                    + dst.getShape());
        }
        try (NDArray src = dst.getManager().create(values, dst.getShape())) {
            assign(dst, src);
        }
    }

    /** Copies {@code src} into {@code dst}'s existing storage in place (index_put over the whole tensor). */
    public static void assign(NDArray dst, NDArray src) {
        if (!src.getShape().equals(dst.getShape())) {
            throw new IllegalArgumentException("assign: shape " + src.getShape() + " into " + dst.getShape());
        }
        NDArray converted = Precision.cast(src, Precision.dtypeOf(dst));
        try {
            dst.set(new NDIndex("..."), converted);
        } finally {
            if (converted != src) {
                converted.close();
            }
        }
    }

    /** {@code values} rounded to float32, as numpy's {@code astype(np.float32)}. */
    public static float[] toFloats(double[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (float) values[i];
        }
        return out;
    }
}
