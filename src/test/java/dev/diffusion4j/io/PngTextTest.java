package dev.diffusion4j.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading the infotext back: the project's own PNGs round-trip, and a compression bomb is refused, not inflated. */
class PngTextTest {

    @TempDir
    Path dir;

    @Test
    void theParametersOfAWrittenPngReadBack() throws IOException {
        Path p = dir.resolve("a.png");
        String text = "a cat, (red:1.2)\nNegative prompt: blurry\nSteps: 20, Sampler: Euler a, Seed: 1, Size: 4x4";
        Png.write(p, new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB), Map.of("parameters", text));
        assertEquals(text, Png.readText(p).get("parameters"));
        assertEquals(text, Png.readText(Files.readAllBytes(p)).get("parameters"));
    }

    private static byte[] chunk(String type, byte[] data) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(b);
        out.writeInt(data.length);
        byte[] t = type.getBytes(StandardCharsets.ISO_8859_1);
        out.write(t);
        out.write(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.writeInt((int) crc.getValue());
        return b.toByteArray();
    }

    /** A PNG header with one zTXt chunk, then IEND (no image data: only the text is read). */
    private static byte[] withZtxt(byte[] inflated) throws IOException {
        Deflater d = new Deflater(9);
        d.setInput(inflated);
        d.finish();
        byte[] buf = new byte[inflated.length + 1024];
        int n = d.deflate(buf);
        d.end();
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        png.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        ByteArrayOutputStream z = new ByteArrayOutputStream();
        z.write("parameters".getBytes(StandardCharsets.ISO_8859_1));
        z.write(new byte[] {0, 0});
        z.write(buf, 0, n);
        png.write(chunk("zTXt", z.toByteArray()));
        png.write(chunk("IEND", new byte[0]));
        return png.toByteArray();
    }

    @Test
    void compressedTextReadsAndABombIsRefusedWithoutInflatingIt() throws IOException {
        assertEquals("Steps: 20", Png.readText(withZtxt("Steps: 20".getBytes(StandardCharsets.ISO_8859_1)))
                .get("parameters"));
        byte[] bomb = withZtxt(new byte[64 << 20]); // 64 MB of zeros deflate to ~64 KB
        assertTrue(bomb.length < 200_000, "the bomb is small: " + bomb.length);
        IOException e = assertThrows(IOException.class, () -> Png.readText(bomb));
        assertTrue(e.getMessage().contains("inflates beyond " + PngText.MAX_TEXT), e.getMessage());
    }

    @Test
    void aBadCrcOrALengthPastTheEndIsAClearError() throws IOException {
        byte[] good = withZtxt("x".getBytes(StandardCharsets.ISO_8859_1));
        byte[] badCrc = good.clone();
        badCrc[badCrc.length - 13] ^= 1; // the zTXt chunk's CRC, just before IEND
        assertTrue(assertThrows(IOException.class, () -> Png.readText(badCrc)).getMessage().contains("CRC"));
        byte[] longChunk = good.clone();
        longChunk[8] = 0x7f; // the zTXt length's first byte
        assertTrue(assertThrows(IOException.class, () -> Png.readText(longChunk)).getMessage()
                .contains("past the end of the file"));
    }
}
