package dev.diffusion4j.io;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

/** Seeded byte-level mutations for fuzzing parsers: flips, truncations, insertions, deletions, splices. */
final class Mutator {

    /** Pickle fragments worth splicing in: opcodes that change the stack, refused globals, extreme lengths. */
    private static final byte[][] TOKENS = {
        {'('}, {')'}, {'t'}, {'R'}, {'b'}, {'Q'}, {'s'}, {'u'}, {'a'}, {'e'}, {'.'}, {'0'}, {'1'}, {'2'},
        {(byte) 0x85}, {(byte) 0x86}, {(byte) 0x87}, {(byte) 0x81}, {(byte) 0x93}, {(byte) 0x94}, {']'}, {'}'},
        {'h', 0}, {'h', 1}, {'q', 0}, {'K', 0}, {'K', (byte) 0xff}, {'N'},
        {'X', -1, -1, -1, -1}, {'X', -1, -1, -1, 0x7f}, {(byte) 0x8a, 8, -1, -1, -1, -1, -1, -1, -1, 0x7f},
        {'J', -1, -1, -1, -1}, {'J', 0, 0, 0, (byte) 0x80},
        "cposix\nsystem\n".getBytes(StandardCharsets.US_ASCII),
        "ctorch\nHalfStorage\n".getBytes(StandardCharsets.US_ASCII),
        "ctorch._utils\n_rebuild_tensor_v2\n".getBytes(StandardCharsets.US_ASCII),
        "ccollections\nOrderedDict\n".getBytes(StandardCharsets.US_ASCII),
        "PK\u0001\u0002".getBytes(StandardCharsets.US_ASCII), "PK\u0005\u0006".getBytes(StandardCharsets.US_ASCII),
    };

    private Mutator() {}

    /** One to four mutations of {@code seed} (which is not modified). */
    static byte[] mutate(byte[] seed, Random r) {
        byte[] b = seed;
        for (int k = r.nextInt(4); k >= 0; k--) {
            b = once(b, r);
        }
        return b;
    }

    private static byte[] once(byte[] b, Random r) {
        int n = b.length;
        int at = n == 0 ? 0 : r.nextInt(n);
        switch (r.nextInt(9)) {
            case 0, 1 -> { // byte flips
                byte[] out = b.clone();
                for (int i = 0; i < 1 + r.nextInt(4) && n > 0; i++) {
                    out[r.nextInt(n)] = (byte) r.nextInt(256);
                }
                return out;
            }
            case 2 -> { // bit flip
                byte[] out = b.clone();
                if (n > 0) {
                    out[at] ^= (byte) (1 << r.nextInt(8));
                }
                return out;
            }
            case 3 -> { // truncation
                return Arrays.copyOf(b, at);
            }
            case 4 -> { // insertion of random bytes
                byte[] ins = new byte[1 + r.nextInt(8)];
                r.nextBytes(ins);
                return splice(b, at, at, ins);
            }
            case 5, 6 -> { // insertion or overwrite of a token
                byte[] token = TOKENS[r.nextInt(TOKENS.length)];
                return splice(b, at, r.nextBoolean() ? at : Math.min(n, at + token.length), token);
            }
            case 7 -> { // deletion of a chunk
                return splice(b, at, Math.min(n, at + 1 + r.nextInt(64)), new byte[0]);
            }
            default -> { // duplication of a chunk elsewhere
                int len = Math.min(n - at, 1 + r.nextInt(256));
                int to = n == 0 ? 0 : r.nextInt(n);
                return splice(b, to, to, Arrays.copyOfRange(b, at, at + len));
            }
        }
    }

    private static byte[] splice(byte[] b, int from, int to, byte[] insert) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(b.length + insert.length);
        out.write(b, 0, from);
        out.writeBytes(insert);
        out.write(b, to, b.length - to);
        return out.toByteArray();
    }
}
