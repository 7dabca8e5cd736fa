package dev.diffusion4j.text;

/**
 * GPT-2's reversible byte-to-character table ({@code bytes_to_unicode} in HF transformers): every UTF-8 byte becomes
 * one printable character so that BPE symbols never contain whitespace or control characters. Printable Latin-1
 * bytes ({@code !}..{@code ~}, {@code ¡}..{@code ¬}, {@code ®}..{@code ÿ}) stand for themselves; the other 68 bytes,
 * in increasing order, get U+0100, U+0101, ... .
 */
final class ByteUnicode {

    private static final char[] TABLE = table();

    private ByteUnicode() {}

    /** The characters standing for the bytes of {@code utf8}, one per byte. */
    static String encode(byte[] utf8) {
        char[] out = new char[utf8.length];
        for (int i = 0; i < utf8.length; i++) {
            out[i] = TABLE[utf8[i] & 0xff];
        }
        return new String(out);
    }

    private static char[] table() {
        char[] t = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            t[b] = (char) (printable ? b : next++);
        }
        return t;
    }
}
