package dev.diffusion4j.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.diffusion4j.io.SafeTensorsHeader.Dtype;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * A <a href="https://github.com/huggingface/safetensors">safetensors</a> file: read by memory mapping, written
 * atomically.
 *
 * <p>{@link #open} reads and validates the whole header up front (length, UTF-8, JSON, duplicate names, dtypes,
 * shapes, offsets, exact tiling of the data buffer), so every later access is in bounds; a malformed file is an
 * {@link IOException} naming the file, the tensor and the problem. Loadable dtypes: F32, F16, BF16, F64, I64, I32,
 * I8, U8, BOOL. Other valid dtypes (I16, U16, U32, U64, F8_*) can be listed but not loaded: DJL 0.36 cannot hold
 * them. A tensor loads as one array, so it must be under 2 GiB (and under 2^31 elements); the file may be any size,
 * since each load maps only its own tensor's bytes.
 *
 * <p><b>Memory and lifetime.</b> In zero-copy mode (the default wherever the file can be opened for writing, see
 * {@link #zeroCopy()}) a tensor loaded in its stored type (F32 as float32, F16 as float16, F64, the integer types)
 * is an array over a fresh {@link FileChannel.MapMode#PRIVATE private} mapping of its bytes: no copy, and an
 * in-place op writes copy-on-write pages, never the file or another load of the same tensor. DJL's PyTorch
 * {@code PtNDArray} keeps a reference to the buffer it was created from (verified in DJL 0.36: field
 * {@code dataRef}, cleared in {@code close()}), so the mapping lives exactly as long as that array is open:
 * closing this object does not invalidate loaded arrays. Views libtorch derives from such an array
 * ({@code reshape}, {@code transpose}, {@code get}, ...) share its memory but not that reference: close the loaded
 * array only after its views. Converted loads (F16 or BF16 to float32, any {@code computeType} conversion) and all
 * loads in copy mode are ordinary torch-owned arrays without these caveats. As with any memory-mapped reader,
 * truncating the file while its arrays are in use crashes the process.
 *
 * <p>Instances are safe for concurrent {@code load} calls.
 */
public final class SafeTensors implements AutoCloseable {

    /** Bytes per chunk when converting in Java; a multiple of every element size. */
    private static final int CHUNK = 1 << 20;

    private final Path file;
    private final FileChannel channel;
    private final boolean zeroCopy;
    private final SafeTensorsHeader.Parsed header;
    private volatile boolean closed;

    private SafeTensors(Path file, FileChannel channel, boolean zeroCopy, SafeTensorsHeader.Parsed header) {
        this.file = file;
        this.channel = channel;
        this.zeroCopy = zeroCopy;
        this.header = header;
    }

    /** Opens and validates {@code file}, zero-copy if it can be opened for writing (see {@link #zeroCopy()}). */
    public static SafeTensors open(Path file) throws IOException {
        return open(file, true);
    }

    /**
     * Opens and validates {@code file}.
     *
     * @param zeroCopy whether to try private memory mappings; Java maps PRIVATE only through a channel opened for
     *     reading and writing (nothing is ever written), so on a read-only file or file system every load copies
     */
    public static SafeTensors open(Path file, boolean zeroCopy) throws IOException {
        requireLittleEndianHost();
        if (Files.isDirectory(file)) {
            throw new IOException(file + ": is a directory, expected a .safetensors file");
        }
        FileChannel ch = null;
        if (zeroCopy) {
            try {
                ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
            } catch (IOException | UnsupportedOperationException e) {
                ch = null; // fall back to copying; a real access problem resurfaces from the read-only open
            }
        }
        boolean mapped = ch != null;
        if (ch == null) {
            ch = FileChannel.open(file, StandardOpenOption.READ);
        }
        try {
            return new SafeTensors(file, ch, mapped, SafeTensorsHeader.read(file, ch));
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    public Path file() {
        return file;
    }

    /** The {@code __metadata__} map in file order; empty if the file has none. */
    public Map<String, String> metadata() {
        return header.metadata();
    }

    /** Tensor names in header order. */
    public Set<String> names() {
        return header.tensors().keySet();
    }

    /** Whether loads in the stored type map the file instead of copying it (see the class comment). */
    public boolean zeroCopy() {
        return zeroCopy;
    }

    /** @throws IllegalArgumentException if the file has no tensor {@code name} */
    public TensorInfo info(String name) {
        TensorInfo t = header.tensors().get(name);
        if (t == null) {
            throw new IllegalArgumentException(file + ": no tensor '" + name + "' (the file has "
                    + header.tensors().size() + " tensors)");
        }
        return t;
    }

    /**
     * Loads a tensor: floats as float32 (F64 stays float64; BF16 is widened in Java, since DJL 0.36 cannot hold
     * bfloat16), integers and BOOL in their own type. The array belongs to {@code manager}.
     *
     * @throws UncheckedIOException if reading the file fails
     */
    public NDArray load(String name, NDManager manager) {
        Dtype d = dtype(info(name));
        return load(name, manager, d == Dtype.F64 ? DataType.FLOAT64 : DataType.FLOAT32);
    }

    /**
     * Loads a tensor with floats converted to {@code computeType} (FLOAT32, FLOAT16 or FLOAT64, rounding to
     * nearest even when narrowing); integer and BOOL tensors load unchanged.
     */
    public NDArray load(String name, NDManager manager, DataType computeType) {
        if (computeType != DataType.FLOAT32 && computeType != DataType.FLOAT16 && computeType != DataType.FLOAT64) {
            throw new IllegalArgumentException(file + ": loading '" + name
                    + "': computeType must be FLOAT32, FLOAT16 or FLOAT64, got " + computeType);
        }
        TensorInfo t = info(name);
        Dtype d = dtype(t);
        if (!d.loadable()) {
            throw new UnsupportedOperationException(file + ": tensor '" + name + "' has dtype " + d
                    + ", which DJL cannot hold (loadable: F32, F16, BF16, F64, I64, I32, I8, U8, BOOL)");
        }
        if (closed) {
            throw new IllegalStateException(file + ": closed");
        }
        DataType target = d.isFloat() ? computeType : d.djl;
        Shape shape = new Shape(t.shape());
        if (t.elementCount() == 0) {
            return manager.create(shape, target);
        }
        requireLoadable(t, d == Dtype.BF16 ? 4 : d.size);
        try {
            // a load that converts reads into torch memory: a mapping behind a converted-then-closed array would
            // stay mapped (and resident) until the garbage collector happens to free its buffer
            NDArray stored = d == Dtype.BF16 ? widenBf16(t, manager) : stored(t, d.djl, manager, d.djl == target);
            if (stored.getDataType() == target) {
                return stored;
            }
            try (stored) {
                return stored.toType(target, false);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": reading tensor '" + name + "': " + e.getMessage(), e);
        }
    }

    /**
     * Copies a float tensor into a Java array: F16 and BF16 widened exactly, F64 rounded to float.
     *
     * @throws IllegalArgumentException for an integer or BOOL tensor
     * @throws UncheckedIOException if reading the file fails
     */
    public float[] floats(String name) {
        TensorInfo t = info(name);
        Dtype d = dtype(t);
        if (!d.isFloat()) {
            throw new IllegalArgumentException(file + ": tensor '" + name + "' has dtype " + d
                    + ", floats() needs F32, F16, BF16 or F64");
        }
        if (t.elementCount() > Integer.MAX_VALUE - 8) {
            throw new UnsupportedOperationException(file + ": tensor '" + name + "' has " + t.elementCount()
                    + " elements, more than a Java array holds");
        }
        if (closed) {
            throw new IllegalStateException(file + ": closed");
        }
        float[] out = new float[(int) t.elementCount()];
        FloatBuffer dst = FloatBuffer.wrap(out);
        Consumer<ByteBuffer> convert = switch (d) {
            case F32 -> b -> dst.put(b.asFloatBuffer());
            case F64 -> b -> {
                while (b.hasRemaining()) {
                    dst.put((float) b.getDouble());
                }
            };
            case F16 -> b -> {
                while (b.hasRemaining()) {
                    dst.put(halfToFloat(b.getShort()));
                }
            };
            default -> b -> {
                while (b.hasRemaining()) {
                    dst.put(bf16ToFloat(b.getShort()));
                }
            };
        };
        try {
            readChunks(t, convert);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": reading tensor '" + name + "': " + e.getMessage(), e);
        }
        return out;
    }

    /** Closes the file. Arrays already loaded stay valid (see the class comment); further loads fail. */
    @Override
    public void close() {
        closed = true;
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": closing: " + e.getMessage(), e);
        }
    }

    /**
     * Writes {@code tensors} to {@code file} as the reference library does (tensors ordered by dtype alignment,
     * then name; header padded with spaces to a multiple of 8), through a temporary file in the same directory
     * that is synced and then atomically renamed over {@code file}: readers see the old file or the complete new
     * one, never a partial write. Arrays may be of any loadable dtype except bfloat16 (DJL cannot hold it).
     *
     * @param metadata written as {@code __metadata__} (sorted by key), omitted when empty
     * @throws IllegalArgumentException for a null or reserved name or an unsupported dtype, before anything is
     *     written
     */
    public static void write(Path file, Map<String, NDArray> tensors, Map<String, String> metadata)
            throws IOException {
        requireLittleEndianHost();
        Map<String, String> sortedMetadata = new TreeMap<>();
        metadata.forEach((k, v) -> sortedMetadata.put(Objects.requireNonNull(k, "metadata key"),
                Objects.requireNonNull(v, () -> "metadata value of '" + k + "'")));
        List<Map.Entry<String, NDArray>> order = new ArrayList<>(tensors.entrySet());
        for (Map.Entry<String, NDArray> e : order) {
            String name = e.getKey();
            if (name == null || name.equals(SafeTensorsHeader.METADATA_KEY)) {
                throw new IllegalArgumentException(file + ": invalid tensor name " + name);
            }
            DataType type = Objects.requireNonNull(e.getValue(), () -> "tensor '" + name + "'").getDataType();
            if (Dtype.of(type) == null) {
                throw new IllegalArgumentException(file + ": tensor '" + name + "' has DJL dtype " + type
                        + ", which safetensors writing does not support");
            }
        }
        // The reference writer's order: larger alignment first (its dtype enum, descending), then name by bytes.
        order.sort(Comparator.<Map.Entry<String, NDArray>>comparingInt(
                        e -> -Dtype.of(e.getValue().getDataType()).ordinal())
                .thenComparing(e -> e.getKey().getBytes(StandardCharsets.UTF_8), Arrays::compareUnsigned));
        List<TensorInfo> infos = new ArrayList<>();
        long offset = 0;
        for (Map.Entry<String, NDArray> e : order) {
            Dtype d = Dtype.of(e.getValue().getDataType());
            long[] shape = e.getValue().getShape().getShape();
            long bytes = Math.multiplyExact(e.getValue().getShape().size(), d.size);
            infos.add(new TensorInfo(e.getKey(), d.name(), shape, offset, offset + bytes));
            offset += bytes;
        }
        byte[] json = SafeTensorsHeader.encode(infos, sortedMetadata);

        AtomicFiles.write(file, out -> {
            ByteBuffer head = ByteBuffer.allocate(8 + json.length).order(ByteOrder.LITTLE_ENDIAN);
            head.putLong(json.length).put(json).flip();
            writeFully(out, head);
            for (int i = 0; i < order.size(); i++) {
                TensorInfo t = infos.get(i);
                ByteBuffer data = order.get(i).getValue().toByteBuffer(); // contiguous C-order copy
                if (data.remaining() != t.byteLength()) {
                    throw new IllegalStateException(file + ": tensor '" + t.name() + "' gave "
                            + data.remaining() + " bytes, expected " + t.byteLength());
                }
                writeFully(out, data);
            }
            out.force(true); // checkpoints: on disk before they replace the previous one
        });
    }

    /** The tensor's bytes as an array of {@code type}: a private mapping, or a copy into torch-owned memory. */
    private NDArray stored(TensorInfo t, DataType type, NDManager manager, boolean mapped) throws IOException {
        long position = header.dataStart() + t.begin();
        int length = (int) t.byteLength();
        if (zeroCopy && mapped) {
            MappedByteBuffer map = channel.map(FileChannel.MapMode.PRIVATE, position, length);
            // libtorch expects element-aligned data; files from odd writers may not be, so those get copied.
            if (map.alignmentOffset(0, type.getNumOfBytes()) == 0) {
                return manager.create(map, new Shape(t.shape()), type);
            }
        }
        NDArray out = manager.create(new Shape(t.shape()), type);
        try {
            // A fresh tensor is contiguous, so this is a view of its memory, not a copy.
            SafeTensorsHeader.readFully(file, channel, out.toByteBuffer(true), position);
            return out;
        } catch (IOException | RuntimeException e) {
            out.close();
            throw e;
        }
    }

    private NDArray widenBf16(TensorInfo t, NDManager manager) throws IOException {
        NDArray out = manager.create(new Shape(t.shape()), DataType.FLOAT32);
        try {
            FloatBuffer dst = out.toByteBuffer(true).order(ByteOrder.nativeOrder()).asFloatBuffer();
            readChunks(t, b -> {
                while (b.hasRemaining()) {
                    dst.put(bf16ToFloat(b.getShort()));
                }
            });
            return out;
        } catch (IOException | RuntimeException e) {
            out.close();
            throw e;
        }
    }

    /** Feeds the tensor's bytes, little-endian, to {@code sink} in chunks of whole elements. */
    private void readChunks(TensorInfo t, Consumer<ByteBuffer> sink) throws IOException {
        ByteBuffer chunk = ByteBuffer.allocate((int) Math.min(CHUNK, t.byteLength())).order(ByteOrder.LITTLE_ENDIAN);
        for (long done = 0; done < t.byteLength(); done += chunk.capacity()) {
            chunk.clear().limit((int) Math.min(chunk.capacity(), t.byteLength() - done));
            SafeTensorsHeader.readFully(file, channel, chunk, header.dataStart() + t.begin() + done);
            sink.accept(chunk.flip());
        }
    }

    private void requireLoadable(TensorInfo t, int bytesPerLoadedElement) {
        // FileChannel.map, Java buffers and DJL's buffer checks all count bytes in an int.
        if (t.elementCount() > Integer.MAX_VALUE / bytesPerLoadedElement) {
            throw new UnsupportedOperationException(file + ": tensor '" + t.name() + "' " + t.dtype()
                    + Arrays.toString(t.shape()) + " is too large to load: arrays are limited to 2 GiB");
        }
    }

    private Dtype dtype(TensorInfo t) {
        return Dtype.parse(t.dtype()); // never null: the header check rejected unknown dtypes
    }

    private static void writeFully(FileChannel out, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            out.write(b);
        }
    }

    /** bfloat16 is the top half of a float32. */
    static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat(bits << 16);
    }

    /** IEEE 754 binary16 to binary32, exact (Java 17 has no {@code Float.float16ToFloat}). */
    static float halfToFloat(short bits) {
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >>> 10) & 0x1f;
        int mantissa = bits & 0x3ff;
        if (exponent == 0x1f) { // infinity or NaN, payload kept
            return Float.intBitsToFloat(sign | 0x7f800000 | mantissa << 13);
        }
        if (exponent == 0) { // zero or subnormal: mantissa × 2^-24, exact in float
            float magnitude = mantissa * 0x1p-24f;
            return sign == 0 ? magnitude : -magnitude;
        }
        return Float.intBitsToFloat(sign | (exponent + 127 - 15) << 23 | mantissa << 13);
    }

    private static void requireLittleEndianHost() {
        // Arrays are created from the file's bytes as they are; safetensors data is little-endian.
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new UnsupportedOperationException("safetensors needs a little-endian host");
        }
    }
}
