package dev.diffusion4j.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * The text chunks of a PNG ({@code tEXt}, {@code zTXt}, {@code iTXt}: where A1111 and diffusion4j keep the
 * {@code parameters} infotext), read chunk by chunk without decoding the image. Written here rather than through
 * ImageIO's metadata tree because that inflates compressed text without a bound: a few kilobytes of {@code zTXt} can
 * claim gigabytes. Every length is checked against what is left, every inflation is capped, and text chunks must pass
 * their CRC.
 */
final class PngText {

    /** The most bytes one text chunk may inflate to (an infotext is a few kilobytes). */
    static final int MAX_TEXT = 1 << 20;
    /** The most text chunks read (a PNG with more is refused rather than walked forever). */
    static final int MAX_CHUNKS = 1024;

    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    private PngText() {}

    /** Where chunk bytes come from: a file read piece by piece, or an array. */
    private interface Source {
        long size();

        /** {@code length} bytes at {@code position}. */
        ByteBuffer read(long position, int length) throws IOException;
    }

    static Map<String, String> read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            return read(new Source() {
                @Override
                public long size() {
                    return size;
                }

                @Override
                public ByteBuffer read(long position, int length) throws IOException {
                    ByteBuffer b = ByteBuffer.allocate(length);
                    while (b.hasRemaining()) {
                        if (ch.read(b, position + b.position()) < 0) {
                            throw new IOException("truncated at byte " + (position + b.position()));
                        }
                    }
                    return b.flip();
                }
            }, file.toString());
        }
    }

    static Map<String, String> read(byte[] image, String name) throws IOException {
        return read(new Source() {
            @Override
            public long size() {
                return image.length;
            }

            @Override
            public ByteBuffer read(long position, int length) {
                return ByteBuffer.wrap(image, (int) position, length).slice();
            }
        }, name);
    }

    private static Map<String, String> read(Source in, String name) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        if (in.size() < SIGNATURE.length + 12 || !in.read(0, SIGNATURE.length).equals(ByteBuffer.wrap(SIGNATURE))) {
            throw new IOException(name + ": not a PNG (no PNG signature)");
        }
        long at = SIGNATURE.length;
        int texts = 0;
        while (true) {
            if (in.size() - at < 12) {
                throw new IOException(name + ": truncated PNG: no IEND chunk");
            }
            ByteBuffer head = in.read(at, 8);
            long length = head.getInt() & 0xffffffffL;
            byte[] type = new byte[4];
            head.get(type);
            String kind = new String(type, StandardCharsets.ISO_8859_1);
            if (length > in.size() - at - 12) {
                throw new IOException(name + ": chunk " + kind + " at byte " + at + " claims " + length
                        + " bytes, past the end of the file");
            }
            if (kind.equals("IEND")) {
                return out;
            }
            if (kind.equals("tEXt") || kind.equals("zTXt") || kind.equals("iTXt")) {
                if (++texts > MAX_CHUNKS) {
                    throw new IOException(name + ": more than " + MAX_CHUNKS + " text chunks");
                }
                ByteBuffer data = in.read(at + 8, (int) length);
                int crc = in.read(at + 8 + length, 4).getInt();
                CRC32 check = new CRC32();
                check.update(type);
                check.update(data.duplicate());
                if ((int) check.getValue() != crc) {
                    throw new IOException(name + ": chunk " + kind + " at byte " + at + " fails its CRC");
                }
                byte[] bytes = new byte[data.remaining()];
                data.get(bytes);
                text(kind, bytes, name, out);
            }
            at += 12 + length;
        }
    }

    /** One text chunk: {@code keyword\0text} (tEXt), compressed (zTXt), or international (iTXt). */
    private static void text(String kind, byte[] b, String name, Map<String, String> out) throws IOException {
        int nul = indexOf(b, 0, name, kind);
        String keyword = new String(b, 0, nul, StandardCharsets.ISO_8859_1);
        int p = nul + 1;
        switch (kind) {
            case "tEXt" -> out.put(keyword, new String(b, p, b.length - p, StandardCharsets.ISO_8859_1));
            case "zTXt" -> {
                requireByte(b, p, 0, name, kind, "compression method");
                out.put(keyword, new String(inflate(b, p + 1, name, kind), StandardCharsets.ISO_8859_1));
            }
            default -> {
                boolean compressed = requireByte(b, p, -1, name, kind, "compression flag") == 1;
                requireByte(b, p + 1, 0, name, kind, "compression method");
                int language = indexOf(b, p + 2, name, kind);
                int translated = indexOf(b, language + 1, name, kind);
                int start = translated + 1;
                byte[] text = compressed ? inflate(b, start, name, kind)
                        : Arrays.copyOfRange(b, start, b.length);
                out.put(keyword, new String(text, StandardCharsets.UTF_8));
            }
        }
    }

    private static int requireByte(byte[] b, int at, int expected, String name, String kind, String what)
            throws IOException {
        if (at >= b.length || expected >= 0 && b[at] != expected) {
            throw new IOException(name + ": " + kind + " chunk has no valid " + what);
        }
        return b[at];
    }

    private static int indexOf(byte[] b, int from, String name, String kind) throws IOException {
        for (int i = Math.max(from, 0); i < b.length; i++) {
            if (b[i] == 0) {
                return i;
            }
        }
        throw new IOException(name + ": " + kind + " chunk lacks its NUL separator");
    }

    private static byte[] inflate(byte[] b, int from, String name, String kind) throws IOException {
        Inflater inflater = new Inflater();
        try {
            inflater.setInput(b, from, Math.max(b.length - from, 0));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            while (!inflater.finished()) {
                int n = inflater.inflate(buf);
                if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    throw new IOException(name + ": " + kind + " chunk's compressed text is truncated");
                }
                if (out.size() + n > MAX_TEXT) {
                    throw new IOException(name + ": " + kind + " chunk inflates beyond " + MAX_TEXT + " bytes");
                }
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        } catch (DataFormatException e) {
            throw new IOException(name + ": " + kind + " chunk's compressed text is corrupt (" + e.getMessage() + ")", e);
        } finally {
            inflater.end();
        }
    }
}
