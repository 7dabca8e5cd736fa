package dev.diffusion4j.io;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * PNG files with text chunks, as the AUTOMATIC1111 webui writes them: the generation settings go in a
 * {@code parameters} chunk ({@code tEXt} when Latin-1 can hold the text, else UTF-8 {@code iTXt}, like PIL).
 */
public final class Png {

    private static final String FORMAT = "javax_imageio_png_1.0";

    private Png() {}

    /** Writes RGB pixels atomically (temp file, then rename): a failure never leaves a partial PNG. */
    public static void write(Path file, BufferedImage image, Map<String, String> text) throws IOException {
        byte[] png = encode(image, text);
        AtomicFiles.createFolderOf(file);
        AtomicFiles.write(file, channel -> {
            ByteBuffer buffer = ByteBuffer.wrap(png);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        });
    }

    /** The PNG file's bytes, with the text chunks (a server's response, or {@link #write}'s file). */
    public static byte[] encode(BufferedImage image, Map<String, String> text) throws IOException {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("png").next();
        try {
            IIOMetadata meta = writer.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(image), null);
            IIOMetadataNode root = new IIOMetadataNode(FORMAT);
            IIOMetadataNode tEXt = new IIOMetadataNode("tEXt");
            IIOMetadataNode iTXt = new IIOMetadataNode("iTXt");
            for (Map.Entry<String, String> e : text.entrySet()) {
                if (StandardCharsets.ISO_8859_1.newEncoder().canEncode(e.getValue())) {
                    IIOMetadataNode entry = new IIOMetadataNode("tEXtEntry");
                    entry.setAttribute("keyword", e.getKey());
                    entry.setAttribute("value", e.getValue());
                    tEXt.appendChild(entry);
                } else {
                    IIOMetadataNode entry = new IIOMetadataNode("iTXtEntry");
                    entry.setAttribute("keyword", e.getKey());
                    entry.setAttribute("compressionFlag", "FALSE");
                    entry.setAttribute("compressionMethod", "0");
                    entry.setAttribute("languageTag", "");
                    entry.setAttribute("translatedKeyword", "");
                    entry.setAttribute("text", e.getValue());
                    iTXt.appendChild(entry);
                }
            }
            if (tEXt.hasChildNodes()) root.appendChild(tEXt);
            if (iTXt.hasChildNodes()) root.appendChild(iTXt);
            meta.mergeTree(FORMAT, root);
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            // in memory: ImageIO's default stream caches in a temporary file of its own
            try (ImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
                writer.setOutput(out);
                writer.write(new IIOImage(image, null, meta));
            }
            return bytes.toByteArray();
        } finally {
            writer.dispose();
        }
    }

    /** An RGB image from interleaved HWC bytes. */
    public static BufferedImage rgb(byte[] hwc, int width, int height) {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int i = (y * width + x) * 3;
                img.setRGB(x, y, (hwc[i] & 0xff) << 16 | (hwc[i + 1] & 0xff) << 8 | (hwc[i + 2] & 0xff));
            }
        }
        return img;
    }

    /** Interleaved HWC RGB bytes of any image ImageIO reads (alpha dropped, palette and grey expanded). */
    public static byte[] toRgb(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        byte[] out = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int p = img.getRGB(x, y);
                int i = (y * w + x) * 3;
                out[i] = (byte) (p >> 16);
                out[i + 1] = (byte) (p >> 8);
                out[i + 2] = (byte) p;
            }
        }
        return out;
    }

    /**
     * The default of {@link #read(Path, long)}: 8192 x 8192 (64 Mi pixels), 256 MB as the decoded ARGB image, and
     * far above any size Stable Diffusion works at.
     */
    public static final long DEFAULT_MAX_PIXELS = 64L << 20;

    /**
     * The most {@link #read(Path, long)} accepts at all: the decoded image ({@code int} per pixel) and {@link #toRgb}'s
     * array (3 bytes per pixel) must fit a Java array.
     */
    public static final long MAX_PIXELS_LIMIT = (Integer.MAX_VALUE - 8) / 3;

    /** {@link #read(Path, long)} with {@link #DEFAULT_MAX_PIXELS}. */
    public static BufferedImage read(Path file) throws IOException {
        return read(file, DEFAULT_MAX_PIXELS);
    }

    /**
     * Reads an image file (PNG, JPEG, BMP, GIF: its first frame), failing with a message naming the file. The size is
     * read from the header and checked against {@code maxPixels} before any pixel is decoded, so that a small file
     * declaring a huge image cannot exhaust memory. Corrupt or truncated files fail as IOException, whatever the
     * decoder throws (the JDK's decoders throw unchecked exceptions on some malformed inputs).
     *
     * @throws IllegalArgumentException if {@code maxPixels} is outside [1, {@link #MAX_PIXELS_LIMIT}]
     */
    public static BufferedImage read(Path file, long maxPixels) throws IOException {
        if (maxPixels < 1 || maxPixels > MAX_PIXELS_LIMIT) {
            throw new IllegalArgumentException("max pixels must be in [1, " + MAX_PIXELS_LIMIT + "], got " + maxPixels);
        }
        if (!Files.exists(file)) {
            throw new IOException(file + ": image file not found");
        }
        if (!Files.isRegularFile(file)) {
            // a FIFO or device would block or never end
            throw new IOException(file + ": not a regular file");
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                throw new IOException(file + ": not a readable image (PNG, JPEG, BMP or GIF)");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                int w = reader.getWidth(0);
                int h = reader.getHeight(0);
                if (w <= 0 || h <= 0) {
                    throw new IOException(file + ": invalid image size " + w + "x" + h);
                }
                long pixels = (long) w * h;
                if (pixels > maxPixels) {
                    throw new IOException(file + ": " + w + "x" + h + " = " + pixels + " pixels exceeds the limit of "
                            + maxPixels + " (raise it with --max-pixels)");
                }
                BufferedImage img = reader.read(0);
                if (img == null) {
                    throw new IOException(file + ": not a readable image (PNG, JPEG, BMP or GIF)");
                }
                return img;
            } finally {
                reader.dispose();
            }
        } catch (IOException e) {
            String m = String.valueOf(e.getMessage());
            throw m.startsWith(file.toString()) ? e : new IOException(file + ": corrupt or truncated image: " + m, e);
        } catch (RuntimeException e) {
            throw new IOException(file + ": corrupt or truncated image (" + e + ")", e);
        }
    }

    /**
     * The text chunks of a PNG (tEXt, zTXt, iTXt) by keyword. A file that is not a PNG, or is damaged, fails as an
     * IOException naming it (the JDK's reader throws unchecked exceptions on some malformed chunks).
     */
    public static Map<String, String> readText(Path file) throws IOException {
        return PngText.read(file);
    }

    /** The text chunks of a PNG held in memory; an empty map for other image formats. */
    public static Map<String, String> readText(byte[] image) throws IOException {
        boolean png = image.length >= 8 && (image[0] & 0xff) == 0x89 && image[1] == 'P' && image[2] == 'N' && image[3] == 'G';
        return png ? PngText.read(image, "image") : new LinkedHashMap<>();
    }

    /** Decodes an image held in memory (PNG, JPEG, BMP, GIF), failing with one message when it is none of them. */
    public static BufferedImage read(byte[] image) throws IOException {
        BufferedImage img;
        try {
            img = ImageIO.read(new ByteArrayInputStream(image));
        } catch (RuntimeException e) {
            throw new IOException("corrupt or truncated image (" + e + ")", e);
        }
        if (img == null) {
            throw new IOException("not a readable image (PNG, JPEG, BMP or GIF)");
        }
        return img;
    }
}
