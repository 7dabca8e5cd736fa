package dev.diffusion4j.io;

import ai.djl.ndarray.types.DataType;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Copies a strided tensor's elements, in C order, from its storage bytes into a contiguous buffer, widening fp16 or
 * bf16 to float32 on the way. Dimensions that are contiguous with respect to each other are merged first, so a
 * contiguous tensor is one bulk copy and a transposed one a loop over rows.
 */
final class TorchGather {

    private final ByteBuffer src;
    private final DataType dtype;
    private final boolean widen;
    private final long[] outerSize;
    private final long[] outerStride;
    private final long rowLength;
    private final long rowStride;

    /**
     * @param src the storage bytes from the tensor's storage offset on, little-endian; every element the tensor
     *     reaches must lie inside (the caller maps exactly that range)
     * @param widen whether to write the fp16 or bf16 elements as float32
     */
    TorchGather(TensorRef t, ByteBuffer src, boolean widen) {
        this.src = src;
        this.dtype = t.dtype();
        this.widen = widen;
        long[] shape = t.shape();
        long[] stride = t.stride();
        List<long[]> dims = new ArrayList<>(); // {size, stride}, outermost first, merged where contiguous
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == 1) {
                continue;
            }
            long[] prev = dims.isEmpty() ? null : dims.get(dims.size() - 1);
            if (prev != null && prev[1] == shape[i] * stride[i]) {
                prev[0] *= shape[i];
                prev[1] = stride[i];
            } else {
                dims.add(new long[] {shape[i], stride[i]});
            }
        }
        long[] row = dims.isEmpty() ? new long[] {1, 1} : dims.remove(dims.size() - 1);
        rowLength = row[0];
        rowStride = row[1];
        outerSize = new long[dims.size()];
        outerStride = new long[dims.size()];
        for (int i = 0; i < dims.size(); i++) {
            outerSize[i] = dims.get(i)[0];
            outerStride[i] = dims.get(i)[1];
        }
    }

    /** Writes every element to {@code dst} from its position on; an empty tensor must not get here. */
    void into(ByteBuffer dst) {
        long[] index = new long[outerSize.length];
        long base = 0;
        while (true) {
            row(base, dst);
            int d = index.length - 1;
            while (d >= 0 && ++index[d] == outerSize[d]) {
                base -= (outerSize[d] - 1) * outerStride[d];
                index[d] = 0;
                d--;
            }
            if (d < 0) {
                return;
            }
            base += outerStride[d];
        }
    }

    private void row(long base, ByteBuffer dst) {
        int es = dtype.getNumOfBytes();
        if (widen) {
            boolean half = dtype == DataType.FLOAT16;
            for (long j = 0; j < rowLength; j++) {
                short bits = src.getShort(Math.toIntExact((base + j * rowStride) * 2));
                dst.putFloat(half ? SafeTensors.halfToFloat(bits) : SafeTensors.bf16ToFloat(bits));
            }
        } else if (rowStride == 1) {
            dst.put(src.slice(Math.toIntExact(base * es), Math.toIntExact(rowLength * es)));
        } else {
            for (long j = 0; j < rowLength; j++) {
                int at = Math.toIntExact((base + j * rowStride) * es);
                for (int b = 0; b < es; b++) {
                    dst.put(src.get(at + b));
                }
            }
        }
    }
}
