package dev.diffusion4j.io;

import static dev.diffusion4j.io.SafeTensorsTest.entry;
import static dev.diffusion4j.io.SafeTensorsTest.raw;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One test per class of hostile file: each must be a clear IOException naming the file and the problem. */
class SafeTensorsMalformedTest {

    @TempDir
    Path dir;

    private int count;

    /** Opens a file of {@code json} + {@code dataBytes} zero bytes and expects an error containing {@code parts}. */
    private void rejects(String json, int dataBytes, String... parts) throws IOException {
        rejects(raw(next(), json, new byte[dataBytes]), parts);
    }

    private void rejects(Path f, String... parts) {
        IOException e = assertThrows(IOException.class, () -> SafeTensors.open(f).close());
        String m = e.getMessage();
        assertTrue(m.startsWith(f + ": "), "message must name the file: " + m);
        for (String p : parts) {
            assertTrue(m.contains(p), "message must mention '" + p + "': " + m);
        }
    }

    private Path next() {
        return dir.resolve("bad" + count++ + ".safetensors");
    }

    private Path withHeaderLength(long n, int fileBytes) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(Math.max(8, fileBytes)).order(ByteOrder.LITTLE_ENDIAN).putLong(n);
        return Files.write(next(), b.array());
    }

    @Test
    void truncatedOrOversizedHeaderLength() throws IOException {
        rejects(Files.write(next(), new byte[] {1, 2, 3}), "3 bytes", "shorter than the 8-byte header length");
        rejects(Files.write(next(), new byte[0]), "0 bytes");
        // Each would be a huge allocation if trusted before the checks.
        rejects(withHeaderLength(99_999_999, 64), "header length 99999999", "past the end of the file (64 bytes)");
        rejects(withHeaderLength(100_000_001, 64), "100000001", "exceeds the limit");
        rejects(withHeaderLength(-1, 64), "18446744073709551615", "exceeds the limit");
        rejects(withHeaderLength(Long.MIN_VALUE, 64), "9223372036854775808", "exceeds the limit");
    }

    @Test
    void headerThatIsNotUtf8JsonObjectsOfEntries() throws IOException {
        byte[] latin1 = "{\"caf\u00e9\":{}}".getBytes(StandardCharsets.ISO_8859_1);
        rejects(raw(next(), latin1, new byte[0]), "not valid UTF-8");
        rejects("{\"a\":", 0, "not valid JSON");
        rejects("{} trailing", 0, "not valid JSON");
        rejects("{}{}", 0, "not valid JSON");
        rejects("{'a':{}}", 0, "not valid JSON");
        rejects("", 0, "not valid JSON");
        rejects("[1, 2]", 0, "header is an array, expected a JSON object");
        rejects("\"text\"", 0, "header is a string");
        rejects("{\"a\":5}", 0, "tensor 'a'", "entry is a number, expected an object");
        rejects("{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "tensor 'a'", "missing key 'dtype'");
        rejects("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4, "tensor 'a'", "missing key 'shape'");
        rejects("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4, "tensor 'a'", "missing key 'data_offsets'");
        rejects("{\"a\":{\"dtype\":32,\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "tensor 'a'",
                "dtype is a number, expected a string");
        rejects("{" + entry("a", "F32", "\"1\"", 0, 4) + "}", 4, "tensor 'a'", "shape is a string");
        rejects("{" + entry("a", "F32", "[\"1\"]", 0, 4) + "}", 4, "tensor 'a'", "shape holds a string");
        rejects("{" + entry("a", "F32", "[1.0]", 0, 4) + "}", 4, "tensor 'a'", "shape holds 1.0");
        rejects("{" + entry("a", "F32", "[1e0]", 0, 4) + "}", 4, "tensor 'a'", "shape holds 1e0");
        rejects("{" + entry("a", "F32", "[99999999999999999999]", 0, 4) + "}", 4, "exceeds 2^63-1");
        rejects("{" + entry("a", "F32", "[" + "1,".repeat(64) + "1]", 0, 4) + "}", 4, "more than 64 entries");
        rejects("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}", 4, "tensor 'a'",
                "data_offsets has 3 numbers, expected 2");
        rejects("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":{}}}", 4, "data_offsets is an object");
    }

    @Test
    void negativeDimensionsAndOffsets() throws IOException {
        rejects("{" + entry("a", "F32", "[2,-1]", 0, 4) + "}", 4, "tensor 'a'", "shape holds the negative number -1");
        rejects("{" + entry("a", "F32", "[1]", -4, 0) + "}", 4, "tensor 'a'",
                "data_offsets holds the negative number -4");
    }

    @Test
    void unknownDtype() throws IOException {
        rejects("{" + entry("w", "Q4_K", "[2]", 0, 4) + "}", 4, "tensor 'w'", "unknown dtype 'Q4_K'");
        rejects("{" + entry("w", "f32", "[1]", 0, 4) + "}", 4, "unknown dtype 'f32'");
    }

    @Test
    void sizeThatDisagreesWithShapeAndDtype() throws IOException {
        rejects("{" + entry("w", "F32", "[2,3]", 0, 20) + "}", 20, "tensor 'w'", "[2, 3] of F32",
                "needs 24 bytes", "span 20");
        rejects("{" + entry("w", "F16", "[]", 0, 4) + "}", 4, "tensor 'w'", "needs 2 bytes", "span 4");
        // 2^62 × 8 elements overflow 64 bits; 2^60 × 4 elements fit but their F32 bytes do not.
        rejects("{" + entry("w", "F32", "[4611686018427387904,8]", 0, 4) + "}", 4, "tensor 'w'", "overflows");
        rejects("{" + entry("w", "F32", "[1152921504606846976,4]", 0, 4) + "}", 4, "tensor 'w'", "overflows");
    }

    @Test
    void offsetsOutsideTheDataBuffer() throws IOException {
        rejects("{" + entry("w", "F32", "[1]", 8, 4) + "}", 8, "tensor 'w'", "data_offsets [8, 4] begin after end");
        rejects("{" + entry("w", "F32", "[4]", 0, 16) + "}", 12, "tensor 'w'", "data_offsets [0, 16]",
                "past the end of the data buffer (12 bytes");
        rejects("{" + entry("w", "F32", "[1]", Long.MAX_VALUE - 4, Long.MAX_VALUE) + "}", 4, "tensor 'w'",
                "past the end of the data buffer");
    }

    @Test
    void overlapsGapsAndUncoveredBytes() throws IOException {
        rejects("{" + entry("a", "F32", "[2]", 0, 8) + "," + entry("b", "F32", "[2]", 4, 12) + "}", 12,
                "tensors 'a' [0, 8] and 'b' [4, 12] overlap");
        rejects("{" + entry("a", "F32", "[2]", 0, 8) + "," + entry("b", "F32", "[2]", 0, 8) + "}", 8,
                "'a'", "'b'", "overlap");
        rejects("{" + entry("a", "F32", "[1]", 0, 4) + "," + entry("b", "F32", "[1]", 8, 12) + "}", 12,
                "data bytes [4, 8) before tensor 'b' belong to no tensor");
        rejects("{" + entry("a", "F32", "[1]", 4, 8) + "}", 8, "data bytes [0, 4) before tensor 'a'");
        rejects("{" + entry("a", "F32", "[1]", 0, 4) + "}", 9, "data buffer is 9 bytes but the tensors cover only 4");
        rejects("{}", 1, "data buffer is 1 bytes but the tensors cover only 0");
    }

    @Test
    void duplicateKeys() throws IOException {
        rejects("{" + entry("a", "F32", "[1]", 0, 4) + "," + entry("a", "F32", "[1]", 4, 8) + "}", 8,
                "duplicate tensor name 'a'");
        rejects("{\"__metadata__\":{},\"__metadata__\":{}}", 0, "duplicate key '__metadata__'");
        rejects("{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}", 0, "duplicate key 'k' in __metadata__");
        rejects("{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
                "tensor 'a'", "duplicate key 'dtype'");
    }

    @Test
    void metadataThatIsNotAStringMap() throws IOException {
        rejects("{\"__metadata__\":[\"pt\"]}", 0, "__metadata__ is an array, expected an object of strings");
        rejects("{\"__metadata__\":\"pt\"}", 0, "__metadata__ is a string");
        rejects("{\"__metadata__\":{\"format\":1}}", 0, "__metadata__ value of 'format' is a number");
        rejects("{\"__metadata__\":{\"nested\":{\"a\":\"b\"}}}", 0, "value of 'nested' is an object");
        rejects("{\"__metadata__\":{\"n\":null}}", 0, "value of 'n' is null");
    }
}
