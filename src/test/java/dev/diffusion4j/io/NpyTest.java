package dev.diffusion4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyTest {

    @TempDir
    Path dir;

    @Test
    void roundTripsEachDtype() throws IOException {
        Path f = dir.resolve("f.npy");
        Npy.writeFloats(f, new float[] {1.5f, -2f, 3f, Float.MIN_VALUE, 5f, 6f}, 2, 3);
        Npy.Array a = Npy.read(f);
        assertEquals("<f4", a.dtype());
        assertArrayEquals(new long[] {2, 3}, a.shape());
        assertArrayEquals(new float[] {1.5f, -2f, 3f, Float.MIN_VALUE, 5f, 6f}, a.toFloats());

        Npy.writeDoubles(f, new double[] {Math.PI, -1e300}, 2);
        assertArrayEquals(new double[] {Math.PI, -1e300}, Npy.read(f).toDoubles());

        Npy.writeLongs(f, new long[] {49406, Long.MIN_VALUE, 0}, 1, 3);
        assertArrayEquals(new long[] {49406, Long.MIN_VALUE, 0}, Npy.read(f).toLongs());

        Npy.writeBytes(f, new byte[] {0, (byte) 255}, 2);
        assertArrayEquals(new long[] {0, 255}, Npy.read(f).toLongs());
    }

    @Test
    void headerIsAlignedAsNumpyWritesIt() throws IOException {
        Path f = dir.resolve("h.npy");
        Npy.writeFloats(f, new float[] {1f}, 1);
        byte[] b = Files.readAllBytes(f);
        assertEquals(0, (b.length - 4) % 64, "numpy pads the header so data starts on a 64-byte boundary");
        assertTrue(new String(b, 10, 60).contains("'shape': (1,)"));
    }

    @Test
    void readsNumpyWrittenFixture() throws IOException {
        Npy.Array ids = Npy.read(dev.diffusion4j.Fixtures.tinySd1().resolve("goldens/tokenizer.input_ids.npy"));
        assertEquals("<i8", ids.dtype());
        assertArrayEquals(new long[] {25, 77}, ids.shape());
        assertEquals(49406, ids.toLongs()[0]);
    }

    @Test
    void rejectsTruncatedData() throws IOException {
        Path f = dir.resolve("t.npy");
        Npy.writeFloats(f, new float[] {1f, 2f}, 2);
        byte[] b = Files.readAllBytes(f);
        Files.write(f, Arrays.copyOf(b, b.length - 1));
        IOException e = assertThrows(IOException.class, () -> Npy.read(f));
        assertTrue(e.getMessage().contains("needs 8"), e.getMessage());
    }
}
