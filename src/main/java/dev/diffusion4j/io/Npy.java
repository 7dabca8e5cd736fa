package dev.diffusion4j.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NumPy {@code .npy} files (format 1.0/2.0, little-endian, C order) for fixtures and debug dumps.
 * Supported dtypes: float32 ({@code <f4}), float64 ({@code <f8}), int64 ({@code <i8}), uint8 ({@code |u1}).
 */
public final class Npy {

    /** A decoded array: numpy dtype descriptor, shape and raw little-endian data. */
    public record Array(String dtype, long[] shape, ByteBuffer data) {
        public long size() {
            return Arrays.stream(shape).reduce(1, Math::multiplyExact);
        }

        public float[] toFloats() {
            float[] out = new float[Math.toIntExact(size())];
            ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            switch (dtype) {
                case "<f4" -> b.asFloatBuffer().get(out);
                case "<f8" -> { for (int i = 0; i < out.length; i++) out[i] = (float) b.getDouble(i * 8); }
                case "<i8" -> { for (int i = 0; i < out.length; i++) out[i] = b.getLong(i * 8); }
                case "|u1" -> { for (int i = 0; i < out.length; i++) out[i] = b.get(i) & 0xff; }
                default -> throw new IllegalStateException("unsupported npy dtype " + dtype);
            }
            return out;
        }

        public double[] toDoubles() {
            double[] out = new double[Math.toIntExact(size())];
            ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            if (dtype.equals("<f8")) {
                b.asDoubleBuffer().get(out);
            } else {
                float[] f = toFloats();
                for (int i = 0; i < out.length; i++) out[i] = f[i];
            }
            return out;
        }

        public long[] toLongs() {
            long[] out = new long[Math.toIntExact(size())];
            ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            if (dtype.equals("<i8")) {
                b.asLongBuffer().get(out);
            } else if (dtype.equals("|u1")) {
                for (int i = 0; i < out.length; i++) out[i] = b.get(i) & 0xff;
            } else {
                throw new IllegalStateException("npy dtype " + dtype + " is not an integer type");
            }
            return out;
        }
    }

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr':\\s*'([^']*)'");
    private static final Pattern ORDER = Pattern.compile("'fortran_order':\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");

    private Npy() {}

    public static Array read(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        if (all.length < 10 || !Arrays.equals(Arrays.copyOf(all, 6), MAGIC)) {
            throw new IOException(file + ": not a .npy file (bad magic)");
        }
        int major = all[6];
        int headerLen;
        int headerStart;
        if (major == 1) {
            headerLen = Short.toUnsignedInt(b.getShort(8));
            headerStart = 10;
        } else if (major == 2 || major == 3) {
            headerLen = b.getInt(8);
            headerStart = 12;
        } else {
            throw new IOException(file + ": unsupported .npy version " + major);
        }
        if (headerLen < 0 || headerStart + (long) headerLen > all.length) {
            throw new IOException(file + ": .npy header length " + headerLen + " beyond end of file");
        }
        String header = new String(all, headerStart, headerLen, StandardCharsets.ISO_8859_1);
        Matcher d = DESCR.matcher(header);
        Matcher o = ORDER.matcher(header);
        Matcher s = SHAPE.matcher(header);
        if (!d.find() || !o.find() || !s.find()) {
            throw new IOException(file + ": malformed .npy header: " + header.strip());
        }
        if (o.group(1).equals("True")) {
            throw new IOException(file + ": Fortran-order .npy arrays are not supported");
        }
        String dtype = d.group(1);
        int itemSize = itemSize(dtype);
        if (itemSize < 0) {
            throw new IOException(file + ": unsupported .npy dtype '" + dtype + "'");
        }
        long[] shape = Arrays.stream(s.group(1).split(","))
                .map(String::strip).filter(x -> !x.isEmpty()).mapToLong(Long::parseLong).toArray();
        long count = Arrays.stream(shape).reduce(1, Math::multiplyExact);
        int dataStart = headerStart + headerLen;
        if ((long) dataStart + count * itemSize != all.length) {
            throw new IOException(file + ": .npy data is " + (all.length - dataStart) + " bytes, shape "
                    + Arrays.toString(shape) + " of " + dtype + " needs " + count * itemSize);
        }
        ByteBuffer data = ByteBuffer.wrap(all, dataStart, all.length - dataStart).slice()
                .order(ByteOrder.LITTLE_ENDIAN);
        return new Array(dtype, shape, data);
    }

    public static void writeFloats(Path file, float[] values, long... shape) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        write(file, "<f4", shape, b.array());
    }

    public static void writeDoubles(Path file, double[] values, long... shape) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.asDoubleBuffer().put(values);
        write(file, "<f8", shape, b.array());
    }

    public static void writeLongs(Path file, long[] values, long... shape) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(values);
        write(file, "<i8", shape, b.array());
    }

    public static void writeBytes(Path file, byte[] values, long... shape) throws IOException {
        write(file, "|u1", shape, values);
    }

    private static void write(Path file, String dtype, long[] shape, byte[] data) throws IOException {
        long count = Arrays.stream(shape).reduce(1, Math::multiplyExact);
        if (count * itemSize(dtype) != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " does not match "
                    + data.length + " bytes of " + dtype);
        }
        StringBuilder dims = new StringBuilder();
        for (long d : shape) dims.append(d).append(", ");
        String shapeText = shape.length == 1 ? "(" + shape[0] + ",)"
                : "(" + (dims.length() > 0 ? dims.substring(0, dims.length() - 2) : "") + ")";
        String dict = "{'descr': '" + dtype + "', 'fortran_order': False, 'shape': " + shapeText + ", }";
        int unpadded = 10 + dict.length() + 1;
        int pad = (64 - unpadded % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (OutputStream out = Files.newOutputStream(tmp)) {
            out.write(MAGIC);
            out.write(new byte[] {1, 0, (byte) (header.length() & 0xff), (byte) (header.length() >> 8)});
            out.write(header.getBytes(StandardCharsets.ISO_8859_1));
            out.write(data);
        }
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    private static int itemSize(String dtype) {
        return switch (dtype) {
            case "<f4" -> 4;
            case "<f8", "<i8" -> 8;
            case "|u1", "<u1" -> 1;
            default -> -1;
        };
    }
}
