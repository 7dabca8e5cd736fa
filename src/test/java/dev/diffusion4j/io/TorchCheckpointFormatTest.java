package dev.diffusion4j.io;

import static dev.diffusion4j.io.PickleTest.p;
import static dev.diffusion4j.io.PickleTest.str;
import static dev.diffusion4j.io.PickleTest.tensor;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hand-built checkpoints: strided and widened loads, and every class of malformed container. */
class TorchCheckpointFormatTest extends ManagerPerTest {

    @TempDir
    Path dir;

    /** A zip of {@code entries} (name → bytes), STORED unless the name is in {@code deflated}. */
    private Path zip(String name, Map<String, byte[]> entries, String... deflated) throws IOException {
        Path f = dir.resolve(name);
        try (OutputStream os = Files.newOutputStream(f); ZipOutputStream z = new ZipOutputStream(os)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                ZipEntry ze = new ZipEntry(e.getKey());
                if (!List.of(deflated).contains(e.getKey())) {
                    CRC32 crc = new CRC32();
                    crc.update(e.getValue());
                    ze.setMethod(ZipEntry.STORED);
                    ze.setSize(e.getValue().length);
                    ze.setCrc(crc.getValue());
                }
                z.putNextEntry(ze);
                z.write(e.getValue());
                z.closeEntry();
            }
        }
        return f;
    }

    private static byte[] floats(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            b.putFloat(x);
        }
        return b.array();
    }

    /** {@code {name: tensor, ...}} as a protocol-2 pickle. */
    private static byte[] dict(Object... nameAndTensor) {
        Object[] parts = new Object[nameAndTensor.length + 4];
        parts[0] = 0x80;
        parts[1] = 2;
        parts[2] = '}';
        parts[3] = '(';
        for (int i = 0; i < nameAndTensor.length; i++) {
            parts[4 + i] = i % 2 == 0 ? str((String) nameAndTensor[i]) : nameAndTensor[i];
        }
        return p(p(parts), 'u', '.');
    }

    @Test
    void stridedOffsetExpandedScalarAndBf16Tensors() throws IOException {
        Map<String, byte[]> e = new LinkedHashMap<>();
        e.put("ckpt/data.pkl", dict(
                "t", tensor("FloatStorage", "0", 6, 0, p('K', 3, 'K', 2, 0x86), p('K', 1, 'K', 3, 0x86)),
                "slice", tensor("FloatStorage", "0", 6, 1, p('K', 2, 0x85), p('K', 2, 0x85)),
                "expanded", tensor("FloatStorage", "0", 6, 4, p('K', 2, 'K', 3, 0x86), p('K', 0, 'K', 0, 0x86)),
                "scalar", tensor("FloatStorage", "0", 6, 5, p(')'), p(')')),
                "bf16", tensor("BFloat16Storage", "1", 2, 0, p('K', 2, 0x85), p('K', 1, 0x85)),
                "half", tensor("HalfStorage", "2", 2, 0, p('K', 2, 'K', 1, 0x86), p('K', 1, 'K', 1, 0x86))));
        e.put("ckpt/data/0", floats(0, 1, 2, 3, 4, 5));
        e.put("ckpt/data/1", new byte[] {(byte) 0xc0, 0x3f, 0x00, (byte) 0xc0}); // bf16 1.5, -2
        e.put("ckpt/data/2", new byte[] {0x00, 0x3c, 0x01, 0x00}); // fp16 1, smallest subnormal
        e.put("ckpt/version", "3\n".getBytes());
        try (TorchCheckpoint c = TorchCheckpoint.open(zip("t.pt", e))) {
            assertEquals(List.of("t", "slice", "expanded", "scalar", "bf16", "half"), List.copyOf(c.names()));
            assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, values(c, "t"));
            assertArrayEquals(new float[] {1, 3}, values(c, "slice"));
            assertArrayEquals(new float[] {4, 4, 4, 4, 4, 4}, values(c, "expanded"));
            assertArrayEquals(new float[] {5}, values(c, "scalar"));
            assertArrayEquals(new float[] {1.5f, -2}, values(c, "bf16"));
            assertArrayEquals(new float[] {1, 0x1p-24f}, values(c, "half"));
            try (NDArray h = c.load("half", manager, DataType.FLOAT16)) {
                assertEquals(DataType.FLOAT16, h.getDataType());
                assertArrayEquals(new long[] {2, 1}, h.getShape().getShape());
            }
        }
    }

    private float[] values(TorchCheckpoint c, String name) {
        try (NDArray a = c.load(name, manager)) {
            assertArrayEquals(c.shape(name), a.getShape().getShape(), name);
            return a.toFloatArray();
        }
    }

    private void rejects(Path f, String... parts) {
        IOException e = assertThrows(IOException.class, () -> TorchCheckpoint.open(f).close());
        String m = e.getMessage();
        assertTrue(m.startsWith(f + ": "), "message must name the file: " + m);
        for (String part : parts) {
            assertTrue(m.contains(part), "message must mention '" + part + "': " + m);
        }
    }

    @Test
    void malformedContainers() throws IOException {
        byte[] legacy = {(byte) 0x80, 2, (byte) 0x8a, 10, 0x6c, (byte) 0xfc, (byte) 0x9c, 0x46, (byte) 0xf9, 0x20,
            0x6a, (byte) 0xa8, 0x50, 0x19, '.'};
        rejects(Files.write(dir.resolve("legacy.pt"), legacy), "legacy torch format", "not supported");
        rejects(Files.write(dir.resolve("text.ckpt"), "hello".getBytes()), "not a torch checkpoint");
        rejects(Files.write(dir.resolve("empty.ckpt"), new byte[0]), "not a torch checkpoint");
        rejects(zip("nopickle.ckpt", Map.of("a/version", "3\n".getBytes())), "without <archive>/data.pkl");
        byte[] pkl = dict("w", tensor("FloatStorage", "0", 2, 0, p('K', 2, 0x85), p('K', 1, 0x85)));
        rejects(zip("deflated.ckpt", Map.of("a/data.pkl", pkl), "a/data.pkl"), "'a/data.pkl' is compressed");
        rejects(zip("missing.ckpt", Map.of("a/data.pkl", pkl)), "tensor 'w'", "storage entry 'a/data/0' is missing");
        Map<String, byte[]> shortStorage = new LinkedHashMap<>();
        shortStorage.put("a/data.pkl", pkl);
        shortStorage.put("a/data/0", floats(1));
        rejects(zip("short.ckpt", shortStorage), "storage '0' of 2 float32 elements needs 2 x 4 bytes, its entry"
                + " has 4");
        Map<String, byte[]> twoPickles = new LinkedHashMap<>();
        twoPickles.put("a/data.pkl", pkl);
        twoPickles.put("b/data.pkl", pkl);
        rejects(zip("two.ckpt", twoPickles), "two pickles");
        Map<String, byte[]> bigEndian = new LinkedHashMap<>();
        bigEndian.put("a/data.pkl", pkl);
        bigEndian.put("a/byteorder", "big".getBytes());
        rejects(zip("big.ckpt", bigEndian), "big-endian");
        Path good = zip("good.ckpt", Map.of("a/data.pkl", pkl, "a/data/0", floats(1, 2)));
        byte[] all = Files.readAllBytes(good);
        rejects(Files.write(dir.resolve("cut.ckpt"), java.util.Arrays.copyOf(all, all.length - 10)),
                "no zip end-of-central-directory record");
    }

    @Test
    void compressedStorageFailsAtLoadWithAClearMessage() throws IOException {
        Map<String, byte[]> e = new LinkedHashMap<>();
        e.put("a/data.pkl", p(0x80, 2, '(', str("x"),
                tensor("FloatStorage", "0", 2, 0, p('K', 2, 0x85), p('K', 1, 0x85)), 'd', '.'));
        e.put("a/data/0", floats(1, 2));
        Path f = zip("c.ckpt", e, "a/data/0");
        try (TorchCheckpoint c = TorchCheckpoint.open(f)) {
            UncheckedIOException u = assertThrows(UncheckedIOException.class, () -> c.load("x", manager));
            assertTrue(u.getMessage().contains("'a/data/0' is compressed"), u.getMessage());
        }
    }
}
