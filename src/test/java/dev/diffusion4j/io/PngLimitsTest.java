package dev.diffusion4j.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Png#read(Path, long)}: sizes are refused from the header; damaged files fail as IOException. */
class PngLimitsTest {

    @TempDir
    Path dir;

    private static byte[] encode(String format, int w, int h) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        java.util.Random r = new java.util.Random(1); // noise: the pixel data is most of the file
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) img.setRGB(x, y, r.nextInt());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, format, out);
        return out.toByteArray();
    }

    /** A small real PNG whose IHDR (and its CRC) claims {@code w x h}. */
    static byte[] pngClaiming(int w, int h) throws IOException {
        byte[] png = encode("png", 8, 8);
        ByteBuffer b = ByteBuffer.wrap(png);
        b.putInt(16, w).putInt(20, h); // signature (8), length (4), "IHDR" (4), then width and height
        CRC32 crc = new CRC32();
        crc.update(png, 12, 17);
        b.putInt(29, (int) crc.getValue());
        return png;
    }

    /** A small real JPEG whose SOF0 segment claims {@code w x h}. */
    static byte[] jpegClaiming(int w, int h) throws IOException {
        byte[] jpg = encode("jpg", 8, 8);
        for (int i = 2; i + 9 < jpg.length; i++) {
            if ((jpg[i] & 0xff) == 0xff && (jpg[i + 1] & 0xff) == 0xc0) {
                ByteBuffer.wrap(jpg).putShort(i + 5, (short) h).putShort(i + 7, (short) w);
                return jpg;
            }
        }
        throw new AssertionError("no SOF0 in the JPEG ImageIO wrote");
    }

    @Test
    void aHugePngIsRefusedFromItsHeader() throws IOException {
        Path init = Files.write(dir.resolve("init.png"), pngClaiming(20000, 20000));
        IOException e = assertThrows(IOException.class, () -> Png.read(init));
        assertEquals(init + ": 20000x20000 = 400000000 pixels exceeds the limit of " + Png.DEFAULT_MAX_PIXELS
                + " (raise it with --max-pixels)", e.getMessage());
        Path nine = Files.write(dir.resolve("mask.png"), pngClaiming(9000, 9000));
        assertThrows(IOException.class, () -> Png.read(nine));
    }

    @Test
    void aHugeJpegIsRefusedFromItsHeader() throws IOException {
        Path init = Files.write(dir.resolve("init.jpg"), jpegClaiming(20000, 20000));
        IOException e = assertThrows(IOException.class, () -> Png.read(init, 1_000_000));
        assertEquals(init + ": 20000x20000 = 400000000 pixels exceeds the limit of 1000000 (raise it with --max-pixels)",
                e.getMessage());
    }

    @Test
    void theLimitIsInclusive() throws IOException {
        Path ok = Files.write(dir.resolve("ok.png"), encode("png", 8, 8));
        assertEquals(8, Png.read(ok, 64).getWidth());
        assertThrows(IOException.class, () -> Png.read(ok, 63));
        assertThrows(IllegalArgumentException.class, () -> Png.read(ok, 0));
        assertThrows(IllegalArgumentException.class, () -> Png.read(ok, Png.MAX_PIXELS_LIMIT + 1));
    }

    @Test
    void truncatedAndCorruptFilesFailAsIoExceptionNamingTheFile() throws IOException {
        byte[] png = encode("png", 64, 64);
        // the JDK reader ignores CRCs, Adler-32 and a missing IEND, so only a cut into the pixel data fails
        for (int cut : new int[] {0, 4, 8, 20, 33, 40, png.length / 2}) {
            Path p = Files.write(dir.resolve("cut" + cut + ".png"), Arrays.copyOf(png, cut));
            IOException e = assertThrows(IOException.class, () -> Png.read(p), "cut at " + cut);
            assertTrue(e.getMessage().startsWith(p + ": "), e.getMessage());
        }
        byte[] jpg = encode("jpg", 64, 64);
        for (int cut : new int[] {2, 30, jpg.length / 2}) {
            Path p = Files.write(dir.resolve("cut" + cut + ".jpg"), Arrays.copyOf(jpg, cut));
            try {
                Png.read(p); // the JPEG decoder fills a truncated scan with grey and warns: a result is fine too
            } catch (IOException e) {
                assertTrue(e.getMessage().startsWith(p + ": "), e.getMessage());
            }
        }
    }

    @Test
    void aFifoOrFolderIsNotReadAsAnImage() throws IOException {
        IOException e = assertThrows(IOException.class, () -> Png.read(dir));
        assertEquals(dir + ": not a regular file", e.getMessage());
        assertEquals(dir.resolve("none.png") + ": image file not found",
                assertThrows(IOException.class, () -> Png.read(dir.resolve("none.png"))).getMessage());
    }

    @Test
    void writtenImagesReadBack() throws IOException {
        BufferedImage img = new BufferedImage(3, 2, BufferedImage.TYPE_INT_RGB);
        img.setRGB(2, 1, 0x123456);
        Path p = dir.resolve("a").resolve("b.png");
        Png.write(p, img, Map.of("parameters", "a cat"));
        assertEquals(0x123456, Png.read(p).getRGB(2, 1) & 0xffffff);
        assertEquals(Map.of("parameters", "a cat"), Png.readText(p));
    }
}
