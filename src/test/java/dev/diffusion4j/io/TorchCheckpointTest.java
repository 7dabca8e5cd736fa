package dev.diffusion4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.diffusion4j.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The sd1-extras checkpoints: the same tensors as {@code model.safetensors}, and a malicious pickle refused. */
class TorchCheckpointTest extends ManagerPerTest {

    /** {@code sd1-extras/files}, or the test is skipped when the fixtures are not checked out. */
    static Path files() {
        Path root;
        try {
            root = Fixtures.root();
        } catch (IllegalStateException e) {
            Assumptions.abort(e.getMessage());
            throw e;
        }
        Path files = root.resolve("sd1-extras/files");
        Assumptions.assumeTrue(Files.isDirectory(files), () -> "sd1-extras fixtures not found at " + files);
        return files;
    }

    @Test
    void fp32CheckpointEqualsTheSafetensorsFile() throws IOException {
        compareWithSafetensors("model.ckpt", false);
    }

    @Test
    void fp16CheckpointEqualsTheSafetensorsValuesRoundedToHalf() throws IOException {
        compareWithSafetensors("model-fp16.ckpt", true);
    }

    private void compareWithSafetensors(String name, boolean half) throws IOException {
        Path files = files();
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(files.resolve(name));
             SafeTensors st = SafeTensors.open(files.resolve("model.safetensors"), false)) {
            assertEquals(st.names(), ckpt.names(), name + ": key set");
            Map<?, ?> root = assertInstanceOf(Map.class, ckpt.root());
            assertTrue(root.get("state_dict") instanceof Map<?, ?>, name + ": a Lightning-style checkpoint");
            for (String key : st.names()) {
                TensorRef t = ckpt.info(key);
                assertArrayEquals(st.info(key).shape(), ckpt.shape(key), key);
                assertEquals(half ? DataType.FLOAT16 : DataType.FLOAT32, t.dtype(), key);
                float[] want = st.floats(key);
                if (half) {
                    for (int i = 0; i < want.length; i++) {
                        want[i] = SafeTensors.halfToFloat(floatToHalf(want[i]));
                    }
                }
                try (NDArray a = ckpt.load(key, manager)) {
                    assertEquals(DataType.FLOAT32, a.getDataType(), key);
                    assertArrayEquals(want, a.toFloatArray(), key);
                }
            }
        }
    }

    @Test
    void loadsToOtherComputeTypes() throws IOException {
        Path files = files();
        try (TorchCheckpoint fp16 = TorchCheckpoint.open(files.resolve("model-fp16.ckpt"));
             TorchCheckpoint fp32 = TorchCheckpoint.open(files.resolve("model.ckpt"))) {
            String key = fp16.names().iterator().next();
            try (NDArray h = fp16.load(key, manager, DataType.FLOAT16);
                 NDArray f = fp32.load(key, manager, DataType.FLOAT16)) {
                assertEquals(DataType.FLOAT16, h.getDataType());
                assertArrayEquals(f.toType(DataType.FLOAT32, false).toFloatArray(),
                        h.toType(DataType.FLOAT32, false).toFloatArray());
            }
            assertThrows(IllegalArgumentException.class, () -> fp32.load(key, manager, DataType.INT32));
            assertThrows(IllegalArgumentException.class, () -> fp32.load("no such key", manager));
        }
    }

    @Test
    void textualInversionEmbedding() throws IOException {
        try (TorchCheckpoint pt = TorchCheckpoint.open(files().resolve("embeddings/glowstyle.pt"))) {
            Map<?, ?> root = assertInstanceOf(Map.class, pt.root());
            assertEquals("glowstyle", root.get("name"));
            assertEquals(500L, root.get("step"));
            assertEquals(265L, assertInstanceOf(Map.class, root.get("string_to_token")).get("*"));
            TensorRef star = assertInstanceOf(TensorRef.class,
                    assertInstanceOf(Map.class, root.get("string_to_param")).get("*"));
            assertArrayEquals(new long[] {2, 32}, star.shape());
            assertTrue(pt.tensors().isEmpty(), "no top-level tensors");
            try (NDArray v = pt.load(star, manager, DataType.FLOAT32)) {
                assertArrayEquals(new long[] {2, 32}, v.getShape().getShape());
                float[] values = v.toFloatArray();
                for (float x : values) {
                    assertTrue(Float.isFinite(x));
                }
                assertFalse(java.util.Arrays.equals(java.util.Arrays.copyOf(values, 32),
                        java.util.Arrays.copyOfRange(values, 32, 64)), "two different vectors");
            }
        }
    }

    @Test
    void maliciousPickleIsRefusedBeforeAnythingRuns() throws IOException {
        Path marker = Path.of("/tmp/d4j-fixture-pickle-ran");
        Files.deleteIfExists(marker);
        Path hostile = files().resolve("hostile.ckpt");
        IOException e = assertThrows(IOException.class, () -> TorchCheckpoint.open(hostile));
        String m = e.getMessage();
        assertTrue(m.startsWith(hostile + ": hostile/data.pkl: at byte "), m);
        assertTrue(m.contains("global 'posix system' is not allowed"), m);
        assertFalse(Files.exists(marker), "the pickle must not have run anything");
    }

    /** float32 to IEEE binary16, rounding to nearest even (Java 17 has no {@code Float.floatToFloat16}). */
    static short floatToHalf(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int exp = (bits >>> 23) & 0xff;
        int mant = bits & 0x7fffff;
        if (exp == 0xff) {
            return (short) (sign | 0x7c00 | (mant != 0 ? 0x200 | mant >>> 13 : 0));
        }
        int e = exp - 127 + 15;
        if (e >= 0x1f) {
            return (short) (sign | 0x7c00);
        }
        int shift = e <= 0 ? 14 - e : 13;
        if (shift > 24) {
            return (short) sign;
        }
        int full = e <= 0 ? mant | 0x800000 : mant;
        int half = (e <= 0 ? 0 : e << 10) | full >>> shift;
        int rem = full & ((1 << shift) - 1);
        int halfway = 1 << (shift - 1);
        if (rem > halfway || rem == halfway && (half & 1) != 0) {
            half++; // a carry into the exponent is the correct rounding, up to infinity
        }
        return (short) (sign | half);
    }
}
