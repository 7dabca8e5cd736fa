package dev.diffusion4j.io;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
import org.w3c.dom.NodeList;

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
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
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

    /** Reads an image file (PNG, JPEG, BMP, ...), failing with a message naming the file. */
    public static BufferedImage read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": image file not found");
        }
        BufferedImage img = ImageIO.read(file.toFile());
        if (img == null) {
            throw new IOException(file + ": not a readable image (PNG, JPEG, BMP or GIF)");
        }
        return img;
    }

    /** The text chunks of a PNG (tEXt, zTXt, iTXt) by keyword. */
    public static Map<String, String> readText(Path file) throws IOException {
        return readText((Object) file.toFile());
    }

    /** The text chunks of a PNG held in memory; an empty map for other image formats. */
    public static Map<String, String> readText(byte[] image) throws IOException {
        boolean png = image.length >= 8 && (image[0] & 0xff) == 0x89 && image[1] == 'P' && image[2] == 'N' && image[3] == 'G';
        return png ? readText((Object) new ByteArrayInputStream(image)) : new LinkedHashMap<>();
    }

    /** Decodes an image held in memory (PNG, JPEG, BMP, GIF), failing with one message when it is none of them. */
    public static BufferedImage read(byte[] image) throws IOException {
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(image));
        if (img == null) {
            throw new IOException("not a readable image (PNG, JPEG, BMP or GIF)");
        }
        return img;
    }

    private static Map<String, String> readText(Object source) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        try (ImageInputStream in = ImageIO.createImageInputStream(source)) {
            ImageReader reader = ImageIO.getImageReadersByFormatName("png").next();
            try {
                reader.setInput(in);
                IIOMetadataNode root = (IIOMetadataNode) reader.getImageMetadata(0).getAsTree(FORMAT);
                collect(root.getElementsByTagName("tEXtEntry"), "value", out);
                collect(root.getElementsByTagName("zTXtEntry"), "text", out);
                collect(root.getElementsByTagName("iTXtEntry"), "text", out);
            } finally {
                reader.dispose();
            }
        }
        return out;
    }

    private static void collect(NodeList entries, String valueAttr, Map<String, String> out) {
        for (int i = 0; i < entries.getLength(); i++) {
            IIOMetadataNode n = (IIOMetadataNode) entries.item(i);
            out.put(n.getAttribute("keyword"), n.getAttribute(valueAttr));
        }
    }
}
