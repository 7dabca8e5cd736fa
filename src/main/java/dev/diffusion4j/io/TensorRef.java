package dev.diffusion4j.io;

import ai.djl.ndarray.types.DataType;
import java.util.Arrays;
import java.util.Objects;

/**
 * A tensor of a torch checkpoint as its pickle describes it: a strided view of a storage (one zip entry,
 * {@code <archive>/data/<storageKey>}). Only {@link Pickle} makes these, after checking that every element the view
 * reaches lies inside the storage; several tensors may share one storage.
 *
 * @param dtype the storage's element type (FLOAT32, FLOAT16, BFLOAT16, FLOAT64, INT64, INT32, INT16, INT8, UINT8 or
 *     BOOLEAN)
 * @param shape the dimensions, outermost first; empty for a scalar (the accessor returns a copy)
 * @param stride elements to step in the storage per index of each dimension, all non-negative (a copy)
 * @param storageOffset the storage element of index (0, ..., 0)
 * @param storageKey the storage's key: its zip entry is {@code <archive>/data/<storageKey>}
 * @param storageNumel the number of elements the storage holds
 */
public record TensorRef(DataType dtype, long[] shape, long[] stride, long storageOffset, String storageKey,
                        long storageNumel) {

    public TensorRef {
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(storageKey, "storageKey");
        shape = shape.clone();
        stride = stride.clone();
        if (shape.length != stride.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " and stride "
                    + Arrays.toString(stride) + " differ in length");
        }
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public long[] stride() {
        return stride.clone();
    }

    /** Number of elements: the product of the shape (1 for a scalar); never overflows for a parsed tensor. */
    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** Whether the elements lie in C order without gaps, so that they are one run of the storage. */
    public boolean isContiguous() {
        long expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && stride[i] != expected) {
                return false;
            }
            expected *= shape[i];
        }
        return true;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorRef t && dtype == t.dtype && Arrays.equals(shape, t.shape)
                && Arrays.equals(stride, t.stride) && storageOffset == t.storageOffset
                && storageKey.equals(t.storageKey) && storageNumel == t.storageNumel;
    }

    @Override
    public int hashCode() {
        return Objects.hash(dtype, Arrays.hashCode(shape), Arrays.hashCode(stride), storageOffset, storageKey,
                storageNumel);
    }

    @Override
    public String toString() {
        return dtype + Arrays.toString(shape) + " stride " + Arrays.toString(stride) + " at " + storageOffset
                + " of storage " + storageKey + " (" + storageNumel + " elements)";
    }
}
