package dev.diffusion4j.io;

import java.util.Arrays;
import java.util.Objects;

/**
 * One tensor's entry in a safetensors header, already validated against the file.
 *
 * @param name the tensor's key in the header
 * @param dtype the safetensors dtype name as written in the file ({@code "F32"}, {@code "F16"}, {@code "BF16"}, ...)
 * @param shape the dimensions, outermost first; empty for a scalar (the accessor returns a copy)
 * @param begin first byte of the data, relative to the start of the data buffer (the header's {@code data_offsets[0]})
 * @param end one past the last byte, relative to the start of the data buffer ({@code data_offsets[1]})
 */
public record TensorInfo(String name, String dtype, long[] shape, long begin, long end) {

    public TensorInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /**
     * Number of elements: the product of the shape, 1 for a scalar, 0 if any dimension is 0.
     *
     * @throws ArithmeticException if it overflows a long (never for an entry of an opened file)
     */
    public long elementCount() {
        for (long d : shape) {
            if (d == 0) {
                return 0;
            }
        }
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** Size of the data in bytes, {@code end - begin}. */
    public long byteLength() {
        return end - begin;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && name.equals(t.name) && dtype.equals(t.dtype)
                && Arrays.equals(shape, t.shape) && begin == t.begin && end == t.end;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dtype, Arrays.hashCode(shape), begin, end);
    }

    @Override
    public String toString() {
        return name + " " + dtype + Arrays.toString(shape) + " @[" + begin + ", " + end + ")";
    }
}
