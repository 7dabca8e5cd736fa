package dev.diffusion4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.diffusion4j.Fixtures;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest extends ManagerPerTest {

    @TempDir
    Path dir;

    /** A file of 8-byte little-endian length of {@code json}, the JSON as UTF-8, then {@code data}. */
    static Path raw(Path file, String json, byte[] data) throws IOException {
        return raw(file, json.getBytes(StandardCharsets.UTF_8), data);
    }

    static Path raw(Path file, byte[] json, byte[] data) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8 + json.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(json.length).put(json).put(data);
        Files.write(file, b.array());
        return file;
    }

    /** One header entry: {@code "name":{"dtype":...,"shape":...,"data_offsets":[begin,end]}}. */
    static String entry(String name, String dtype, String shape, long begin, long end) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":["
                + begin + "," + end + "]}";
    }

    static byte[] shorts(int... values) {
        ByteBuffer b = ByteBuffer.allocate(2 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : values) {
            b.putShort((short) v);
        }
        return b.array();
    }

    static byte[] littleEndianFloats(float... values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    /** One array of every dtype DJL can write, with edge values. */
    private Map<String, NDArray> everyDtype() {
        Map<String, NDArray> t = new LinkedHashMap<>();
        t.put("f32", manager.create(new float[] {1.5f, -2f, Float.MIN_VALUE, Float.MAX_VALUE, -0f, 6f},
                new Shape(2, 3)));
        t.put("f64", manager.create(new double[] {Math.PI, -1e300}));
        t.put("f16", manager.create(new float[] {1.5f, -2f, 65504f, 0x1p-24f}).toType(DataType.FLOAT16, false));
        t.put("i64", manager.create(new long[] {Long.MIN_VALUE, 49407, Long.MAX_VALUE}));
        t.put("i32", manager.create(new int[] {Integer.MIN_VALUE, -1, 7, 8}, new Shape(2, 2)));
        t.put("i8", manager.create(new byte[] {-128, 0, 127}).toType(DataType.INT8, false));
        t.put("u8", manager.create(ByteBuffer.wrap(new byte[] {0, (byte) 255, 7}), new Shape(3), DataType.UINT8));
        t.put("bool", manager.create(new boolean[] {true, false, true}));
        return t;
    }

    private void assertLoadsEveryDtype(SafeTensors st) {
        assertArrayEquals(new float[] {1.5f, -2f, Float.MIN_VALUE, Float.MAX_VALUE, -0f, 6f},
                st.load("f32", manager).toFloatArray());
        assertEquals(new Shape(2, 3), st.load("f32", manager).getShape());
        NDArray f64 = st.load("f64", manager);
        assertEquals(DataType.FLOAT64, f64.getDataType());
        assertArrayEquals(new double[] {Math.PI, -1e300}, f64.toDoubleArray());
        NDArray f16 = st.load("f16", manager);
        assertEquals(DataType.FLOAT32, f16.getDataType(), "F16 widens to float32 by default");
        assertArrayEquals(new float[] {1.5f, -2f, 65504f, 0x1p-24f}, f16.toFloatArray());
        assertEquals(DataType.FLOAT16, st.load("f16", manager, DataType.FLOAT16).getDataType());
        assertArrayEquals(new float[] {1.5f, -2f, 65504f, 0x1p-24f}, st.floats("f16"));
        assertArrayEquals(new long[] {Long.MIN_VALUE, 49407, Long.MAX_VALUE}, st.load("i64", manager).toLongArray());
        NDArray i32 = st.load("i32", manager, DataType.FLOAT16);
        assertEquals(DataType.INT32, i32.getDataType(), "integers ignore computeType");
        assertArrayEquals(new int[] {Integer.MIN_VALUE, -1, 7, 8}, i32.toIntArray());
        assertArrayEquals(new byte[] {-128, 0, 127}, st.load("i8", manager).toByteArray());
        NDArray u8 = st.load("u8", manager);
        assertEquals(DataType.UINT8, u8.getDataType());
        assertArrayEquals(new byte[] {0, (byte) 255, 7}, u8.toByteArray());
        assertArrayEquals(new boolean[] {true, false, true}, st.load("bool", manager).toBooleanArray());
    }

    @Test
    void roundTripsEveryDtypeMappedAndCopied() throws IOException {
        Path f = dir.resolve("all.safetensors");
        SafeTensors.write(f, everyDtype(), Map.of());
        try (SafeTensors st = SafeTensors.open(f)) {
            assertTrue(st.zeroCopy());
            assertTrue(st.metadata().isEmpty());
            assertEquals("F16", st.info("f16").dtype());
            assertEquals("BOOL", st.info("bool").dtype());
            assertLoadsEveryDtype(st);
        }
        try (SafeTensors st = SafeTensors.open(f, false)) {
            assertFalse(st.zeroCopy());
            assertLoadsEveryDtype(st);
        }
    }

    @Test
    void writesInTheReferenceOrderWithPaddedHeader() throws IOException {
        Map<String, NDArray> t = new LinkedHashMap<>();
        for (String name : List.of("b", "a", "Z")) {
            t.put(name, manager.create(new float[] {1f}));
        }
        t.put("m", manager.create(new float[] {1f}).toType(DataType.FLOAT16, false));
        t.put("z", manager.create(new long[] {1}));
        t.put("c", manager.create(ByteBuffer.wrap(new byte[] {1}), new Shape(1), DataType.UINT8));
        Path f = dir.resolve("order.safetensors");
        SafeTensors.write(f, t, Map.of());
        try (SafeTensors st = SafeTensors.open(f)) {
            // Larger dtypes first (I64 > F32 > F16 > U8), then names by byte value ('Z' < 'a').
            assertEquals(List.of("z", "Z", "a", "b", "m", "c"), List.copyOf(st.names()));
            assertEquals(8, st.info("Z").begin());
        }
        // Byte-exact against the reference library's own test vector (a 65-byte header padded to 72).
        SafeTensors.write(f, Map.of("attn0", manager.arange(6f).reshape(1, 1, 2, 3)), Map.of());
        byte[] bytes = Files.readAllBytes(f);
        String json = "{\"attn0\":{\"dtype\":\"F32\",\"shape\":[1,1,2,3],\"data_offsets\":[0,24]}}       ";
        assertEquals(72, bytes[0]);
        assertEquals(json, new String(bytes, 8, 72, StandardCharsets.UTF_8));
        assertEquals(8 + 72 + 24, bytes.length);
    }

    @Test
    void roundTripsMetadata() throws IOException {
        Path f = dir.resolve("meta.safetensors");
        Map<String, String> meta = Map.of("format", "pt", "prompt", "a \"quoted\" 猫\nline", "empty", "");
        SafeTensors.write(f, Map.of("x", manager.create(1f)), meta);
        try (SafeTensors st = SafeTensors.open(f)) {
            assertEquals(meta, st.metadata());
            assertEquals(List.of("empty", "format", "prompt"), List.copyOf(st.metadata().keySet()));
        }
    }

    @Test
    void handlesZeroLengthAndScalarTensors() throws IOException {
        Path f = dir.resolve("edge.safetensors");
        Map<String, NDArray> t = Map.of("empty", manager.create(new Shape(0, 3), DataType.FLOAT32),
                "scalar", manager.create(7.5f), "emptyLong", manager.create(new long[0]));
        SafeTensors.write(f, t, Map.of());
        for (boolean zeroCopy : new boolean[] {true, false}) {
            try (SafeTensors st = SafeTensors.open(f, zeroCopy)) {
                TensorInfo e = st.info("empty");
                assertEquals(e.begin(), e.end());
                assertArrayEquals(new long[] {0, 3}, e.shape());
                assertEquals(new Shape(0, 3), st.load("empty", manager).getShape());
                assertEquals(0, st.floats("empty").length);
                assertEquals(DataType.INT64, st.load("emptyLong", manager).getDataType());
                assertArrayEquals(new long[0], st.info("scalar").shape());
                NDArray s = st.load("scalar", manager);
                assertEquals(new Shape(), s.getShape());
                assertEquals(7.5f, s.getFloat());
            }
        }
    }

    @Test
    void widensBf16InJava() throws IOException {
        // 1.5, -2, largest finite, smallest subnormal, +inf, -0 as bfloat16 bit patterns.
        int[] bits = {0x3FC0, 0xC000, 0x7F7F, 0x0001, 0x7F80, 0x8000};
        Path f = raw(dir.resolve("bf16.safetensors"),
                "{" + entry("w", "BF16", "[2,3]", 0, 12) + "}", shorts(bits));
        float[] want = new float[bits.length];
        for (int i = 0; i < bits.length; i++) {
            want[i] = Float.intBitsToFloat(bits[i] << 16);
        }
        assertEquals(1.5f, want[0]);
        assertEquals(-2f, want[1]);
        for (boolean zeroCopy : new boolean[] {true, false}) {
            try (SafeTensors st = SafeTensors.open(f, zeroCopy)) {
                NDArray w = st.load("w", manager);
                assertEquals(DataType.FLOAT32, w.getDataType());
                assertEquals(new Shape(2, 3), w.getShape());
                assertArrayEquals(want, w.toFloatArray());
                assertArrayEquals(want, st.floats("w"));
                NDArray half = st.load("w", manager, DataType.FLOAT16);
                assertEquals(DataType.FLOAT16, half.getDataType());
                assertEquals(-2f, half.toType(DataType.FLOAT32, false).toFloatArray()[1]);
            }
        }
    }

    @Test
    void javaHalfConversionMatchesLibtorchOnAllBitPatterns() throws IOException {
        int[] all = new int[65536];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        Path f = raw(dir.resolve("f16.safetensors"), "{" + entry("h", "F16", "[65536]", 0, 131072) + "}",
                shorts(all));
        try (SafeTensors st = SafeTensors.open(f)) {
            float[] torch = st.load("h", manager).toFloatArray();
            float[] java = st.floats("h");
            for (int i = 0; i < all.length; i++) {
                boolean same = Float.isNaN(torch[i]) ? Float.isNaN(java[i])
                        : Float.floatToRawIntBits(torch[i]) == Float.floatToRawIntBits(java[i]);
                assertTrue(same, "half 0x" + Integer.toHexString(i) + ": torch " + torch[i] + ", java " + java[i]);
            }
            assertEquals(65504f, java[0x7BFF]);
            assertEquals(Float.NEGATIVE_INFINITY, java[0xFC00]);
        }
    }

    @Test
    void loadsTheTinySd1Fixture() throws IOException {
        Path f = Fixtures.tinySd1().resolve("text_encoder/model.safetensors");
        try (SafeTensors st = SafeTensors.open(f)) {
            assertEquals(Map.of("format", "pt"), st.metadata());
            assertEquals("text_model.embeddings.position_embedding.weight", st.names().iterator().next());
            TensorInfo tok = st.info("text_model.embeddings.token_embedding.weight");
            assertEquals("F32", tok.dtype());
            assertArrayEquals(new long[] {49408, 32}, tok.shape());
            assertArrayEquals(new long[] {77, 32}, st.info("text_model.embeddings.position_embedding.weight").shape());
            assertTrue(st.names().contains("text_model.final_layer_norm.weight"));
            NDArray w = st.load("text_model.embeddings.token_embedding.weight", manager);
            assertEquals(new Shape(49408, 32), w.getShape());
            assertArrayEquals(st.floats("text_model.embeddings.token_embedding.weight"), w.toFloatArray());
        }
        for (String model : List.of("unet/diffusion_pytorch_model.safetensors",
                "vae/diffusion_pytorch_model.safetensors")) {
            try (SafeTensors st = SafeTensors.open(Fixtures.tinySd1().resolve(model))) {
                assertFalse(st.names().isEmpty(), model);
            }
        }
    }

    @Test
    void inPlaceOpsNeverReachTheFileOrOtherLoads() throws IOException {
        Path f = dir.resolve("cow.safetensors");
        SafeTensors.write(f, Map.of("x", manager.create(new float[] {1f, 2f})), Map.of());
        byte[] before = Files.readAllBytes(f);
        try (SafeTensors st = SafeTensors.open(f)) {
            NDArray a = st.load("x", manager);
            a.addi(10f);
            assertArrayEquals(new float[] {11f, 12f}, a.toFloatArray());
            assertArrayEquals(new float[] {1f, 2f}, st.load("x", manager).toFloatArray());
        }
        assertArrayEquals(before, Files.readAllBytes(f));
    }

    @Test
    void mappedArraysOutliveTheFileObject() throws IOException {
        Path f = dir.resolve("gc.safetensors");
        float[] values = new float[4096];
        for (int i = 0; i < values.length; i++) {
            values[i] = i * 0.5f;
        }
        SafeTensors.write(f, Map.of("x", manager.create(values)), Map.of());
        NDArray a;
        try (SafeTensors st = SafeTensors.open(f)) {
            a = st.load("x", manager);
        }
        // Were the mapping only held by the closed SafeTensors, collecting it would unmap memory that a still uses.
        System.gc();
        assertArrayEquals(values, a.toFloatArray());
        assertArrayEquals(values, a.add(0f).toFloatArray());
    }

    @Test
    void copiesDataThatIsNotElementAligned() throws IOException {
        // A 65-byte header (no padding) puts the data at file offset 73: not float-aligned, so not mappable as is.
        String json = "{" + entry("x", "F32", "[2]", 0, 8) + "}";
        json = json + " ".repeat(65 - json.length());
        Path f = raw(dir.resolve("odd.safetensors"), json, littleEndianFloats(1.5f, -3f));
        try (SafeTensors st = SafeTensors.open(f)) {
            assertArrayEquals(new float[] {1.5f, -3f}, st.load("x", manager).toFloatArray());
        }
    }

    @Test
    void readsFilesLargerThan2GiB() throws IOException {
        long pad = (1L << 31) + 64;
        String json = "{" + entry("pad", "U8", "[" + pad + "]", 0, pad) + ","
                + entry("x", "F32", "[2]", pad, pad + 8) + "}";
        Path f = raw(dir.resolve("big.safetensors"), json.getBytes(StandardCharsets.UTF_8), new byte[0]);
        long dataStart = Files.size(f);
        try (RandomAccessFile file = new RandomAccessFile(f.toFile(), "rw")) {
            file.setLength(dataStart + pad + 8); // sparse: no disk blocks for the padding
            file.seek(dataStart + pad);
            file.write(littleEndianFloats(1.5f, -3f));
        }
        for (boolean zeroCopy : new boolean[] {true, false}) {
            try (SafeTensors st = SafeTensors.open(f, zeroCopy)) {
                assertArrayEquals(new float[] {1.5f, -3f}, st.load("x", manager).toFloatArray());
                assertArrayEquals(new float[] {1.5f, -3f}, st.floats("x"));
                UnsupportedOperationException e =
                        assertThrows(UnsupportedOperationException.class, () -> st.load("pad", manager));
                assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("'pad'")
                        && e.getMessage().contains("2 GiB"), e.getMessage());
            }
        }
    }

    @Test
    void namesMissingAndUnloadableTensors() throws IOException {
        Path f = raw(dir.resolve("i16.safetensors"), "{" + entry("s", "I16", "[2]", 0, 4) + ","
                + entry("b", "U8", "[4]", 4, 8) + "}", new byte[8]);
        try (SafeTensors st = SafeTensors.open(f)) {
            IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> st.info("nope"));
            assertTrue(missing.getMessage().contains(f.toString()) && missing.getMessage().contains("'nope'"),
                    missing.getMessage());
            assertThrows(IllegalArgumentException.class, () -> st.load("nope", manager));
            assertEquals("I16", st.info("s").dtype());
            UnsupportedOperationException i16 =
                    assertThrows(UnsupportedOperationException.class, () -> st.load("s", manager));
            assertTrue(i16.getMessage().contains("'s'") && i16.getMessage().contains("I16"), i16.getMessage());
            IllegalArgumentException ints = assertThrows(IllegalArgumentException.class, () -> st.floats("b"));
            assertTrue(ints.getMessage().contains("U8"), ints.getMessage());
            st.close();
            assertThrows(IllegalStateException.class, () -> st.load("b", manager));
        }
    }

    @Test
    void writesNonContiguousArraysInCOrder() throws IOException {
        Path f = dir.resolve("t.safetensors");
        NDArray transposed = manager.arange(6f).reshape(2, 3).transpose();
        SafeTensors.write(f, Map.of("t", transposed), Map.of());
        try (SafeTensors st = SafeTensors.open(f)) {
            assertArrayEquals(new long[] {3, 2}, st.info("t").shape());
            assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, st.floats("t"));
        }
    }

    @Test
    void replacesFilesAtomically() throws IOException {
        Path f = dir.resolve("model.safetensors");
        SafeTensors.write(f, Map.of("x", manager.create(new float[] {1f})), Map.of("v", "1"));
        SafeTensors.write(f, Map.of("x", manager.create(new float[] {2f})), Map.of("v", "2"));
        try (SafeTensors st = SafeTensors.open(f)) {
            assertEquals("2", st.metadata().get("v"));
        }
        byte[] good = Files.readAllBytes(f);

        // A tensor whose data cannot be read fails the write half-way, after the header went to the temp file.
        NDArray dead = manager.create(new float[] {3f});
        dead.close();
        Map<String, NDArray> failing = new LinkedHashMap<>();
        failing.put("x", manager.create(new float[] {3f}));
        failing.put("y", dead);
        assertThrows(RuntimeException.class, () -> SafeTensors.write(f, failing, Map.of("v", "3")));
        assertArrayEquals(good, Files.readAllBytes(f), "a failed write must leave the old file intact");

        IllegalArgumentException reserved = assertThrows(IllegalArgumentException.class,
                () -> SafeTensors.write(f, Map.of("__metadata__", manager.create(1f)), Map.of()));
        assertTrue(reserved.getMessage().contains("__metadata__"), reserved.getMessage());
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(f), files.toList(), "no temp file may remain");
        }
    }
}
