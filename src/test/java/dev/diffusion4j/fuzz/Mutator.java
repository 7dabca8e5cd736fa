package dev.diffusion4j.fuzz;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Seeded mutations of a seed input, in the spirit of libFuzzer's: byte flips, random and boundary bytes, boundary
 * integers (binary, both byte orders, and as decimal text where the input has digits), huge lengths, insertions,
 * deletions, duplications and splices with another seed. One {@code Random} drives everything, so an input is
 * reproduced from its seed alone.
 */
final class Mutator {

    /** Numbers that break parsers, as text: replacing a number in a JSON or safetensors header. */
    private static final List<String> NUMBERS = List.of("0", "-1", "1", "2147483647", "2147483648", "-2147483648",
            "4294967296", "9223372036854775807", "9223372036854775808", "-9223372036854775808", "1e9", "9e8", "1e10",
            "1e308", "1e309", "-1e309", "1e-999999999", "0.5", "-0.0", "NaN", "Infinity", "1.5", "00", "1e",
            "99999999999999999999999999", "\"1\"", "null", "[]", "{}", "[1]", "true");

    /** Binary boundary values, written over 1, 2, 4 or 8 bytes in either byte order (lengths, offsets, sizes). */
    private static final long[] BOUNDARIES = {0, 1, -1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffffL,
        0x80000000L, 0xffffffffL, Long.MAX_VALUE, Long.MIN_VALUE, 100_000_000, 100_000_001, 1L << 40};

    private Mutator() {}

    /** 1 to 8 stacked mutations of {@code seed} ({@code others}: material for splices). */
    static byte[] mutate(byte[] seed, List<byte[]> others, Random r) {
        byte[] b = seed;
        int rounds = 1 + r.nextInt(8);
        for (int i = 0; i < rounds; i++) {
            b = once(b, others, r);
        }
        return b;
    }

    private static byte[] once(byte[] b, List<byte[]> others, Random r) {
        if (b.length == 0) {
            return randomBytes(r, 1 + r.nextInt(16));
        }
        int at = r.nextInt(b.length);
        switch (r.nextInt(11)) {
            case 0: { // flip one bit
                byte[] c = b.clone();
                c[at] ^= (byte) (1 << r.nextInt(8));
                return c;
            }
            case 1: { // a random or interesting byte
                byte[] c = b.clone();
                byte[] interesting = {0, -1, 0x7f, (byte) 0x80, '"', '{', '}', '[', ']', ',', ':', '\\', '\n', ' '};
                c[at] = r.nextBoolean() ? (byte) r.nextInt(256) : interesting[r.nextInt(interesting.length)];
                return c;
            }
            case 2: { // a boundary integer over 1-8 bytes, little- or big-endian
                byte[] c = b.clone();
                long v = BOUNDARIES[r.nextInt(BOUNDARIES.length)];
                int width = 1 << r.nextInt(4);
                boolean little = r.nextBoolean();
                for (int k = 0; k < width && at + k < c.length; k++) {
                    int shift = 8 * (little ? k : width - 1 - k);
                    c[at + k] = (byte) (v >>> shift);
                }
                return c;
            }
            case 3: // delete a range
                return splice(b, at, at + 1 + r.nextInt(Math.min(64, b.length - at)), new byte[0]);
            case 4: // insert random bytes
                return splice(b, at, at, randomBytes(r, 1 + r.nextInt(16)));
            case 5: { // duplicate a range (repeated keys, chunks, entries)
                int end = at + 1 + r.nextInt(Math.min(256, b.length - at));
                return splice(b, at, at, Arrays.copyOfRange(b, at, end));
            }
            case 6: { // splice with another seed
                byte[] o = others.get(r.nextInt(others.size()));
                if (o.length == 0) {
                    return b;
                }
                int from = r.nextInt(o.length);
                return splice(b, at, b.length, Arrays.copyOfRange(o, from, from + r.nextInt(o.length - from + 1)));
            }
            case 7: // truncate
                return Arrays.copyOf(b, at);
            case 8: // replace a decimal number with a boundary one
            case 9:
                return replaceNumber(b, r);
            default: { // overwrite a range with a copy of another part of the input
                int len = 1 + r.nextInt(Math.min(32, b.length - at));
                int from = r.nextInt(b.length - len + 1);
                byte[] c = b.clone();
                System.arraycopy(b, from, c, at, len);
                return c;
            }
        }
    }

    private static byte[] replaceNumber(byte[] b, Random r) {
        int start = r.nextInt(b.length);
        for (int i = 0; i < b.length; i++) {
            int p = (start + i) % b.length;
            if (b[p] >= '0' && b[p] <= '9') {
                int s = p;
                int e = p;
                while (s > 0 && isNumberByte(b[s - 1])) s--;
                while (e < b.length && isNumberByte(b[e])) e++;
                byte[] n = NUMBERS.get(r.nextInt(NUMBERS.size())).getBytes(StandardCharsets.US_ASCII);
                return splice(b, s, e, n);
            }
        }
        return b;
    }

    private static boolean isNumberByte(byte c) {
        return c >= '0' && c <= '9' || c == '-' || c == '.' || c == 'e' || c == 'E' || c == '+';
    }

    private static byte[] splice(byte[] b, int from, int to, byte[] insert) {
        byte[] c = new byte[b.length - (to - from) + insert.length];
        System.arraycopy(b, 0, c, 0, from);
        System.arraycopy(insert, 0, c, from, insert.length);
        System.arraycopy(b, to, c, from + insert.length, b.length - to);
        return c;
    }

    private static byte[] randomBytes(Random r, int n) {
        byte[] c = new byte[n];
        r.nextBytes(c);
        return c;
    }
}
