package dev.diffusion4j.io;

import dev.diffusion4j.io.Pickle.Invalid;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Decoding of the values pickle opcodes carry: strings, little-endian big integers, protocol-0 text literals. */
final class PickleLiterals {

    private PickleLiterals() {}

    static String utf8(byte[] b) throws Invalid {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw new Invalid("string of " + b.length + " bytes is not valid UTF-8");
        }
    }

    static String latin1(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    /** Two's complement little-endian, as LONG1/LONG4 store it: a Long when it fits, else a BigInteger. */
    static Object signedLittleEndian(byte[] le) {
        if (le.length == 0) {
            return 0L;
        }
        byte[] be = new byte[le.length];
        for (int i = 0; i < le.length; i++) {
            be[i] = le[le.length - 1 - i];
        }
        return normalize(new BigInteger(be));
    }

    static Object normalize(BigInteger v) {
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    static Object parseInt(String s) throws Invalid {
        if (s.equals("00")) {
            return Boolean.FALSE; // protocol 0 writes booleans as INT 00 / 01
        }
        if (s.equals("01")) {
            return Boolean.TRUE;
        }
        if (s.length() > 10_000 || !s.matches("[+-]?[0-9]+")) {
            throw new Invalid("bad integer literal '" + printable(s) + "'");
        }
        return normalize(new BigInteger(s));
    }

    static long parseIndex(String s) throws Invalid {
        if (!s.matches("[0-9]{1,18}")) {
            throw new Invalid("bad memo index '" + printable(s) + "'");
        }
        return Long.parseLong(s);
    }

    static Double parseFloat(String s) throws Invalid {
        if (s.length() > 100 || !s.matches("[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?|[+-]?(inf|nan)")) {
            throw new Invalid("bad float literal '" + printable(s) + "'");
        }
        return s.endsWith("inf") ? (s.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY)
                : s.endsWith("nan") ? Double.NaN : Double.valueOf(s);
    }

    static String stripSuffix(String s, String suffix) {
        return s.endsWith(suffix) ? s.substring(0, s.length() - suffix.length()) : s;
    }

    /** At most 100 characters, control characters escaped: names from a hostile file go into messages. */
    static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && i < 100; i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? String.format("\\x%02x", (int) c) : String.valueOf(c));
        }
        return s.length() > 100 ? b + "..." : b.toString();
    }
}
