package dev.diffusion4j.io;

import ai.djl.ndarray.types.DataType;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.JsonWriter;
import com.google.gson.stream.MalformedJsonException;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The safetensors header: the 8-byte length, the JSON, and every check that makes the rest of the file safe to map.
 * Validation follows the reference (Rust) library, and goes further on duplicate keys: JSON parsers commonly keep
 * the last of them silently (gson's tree parser does), which would hide a tensor, so the JSON is read as a stream
 * and duplicates are rejected.
 */
final class SafeTensorsHeader {

    /** The Rust library's limit; a real SD 1.5 UNet header is about 100 kB. */
    static final long MAX_HEADER_BYTES = 100_000_000;
    /** No model uses more than 5 dimensions; the cap bounds what a hostile header can make us allocate. */
    static final int MAX_RANK = 64;
    static final String METADATA_KEY = "__metadata__";

    /**
     * The safetensors dtypes of whole-byte width, in the reference library's enum order, which its writer sorts
     * by (descending). Only those with a {@link #djl} type load: DJL 0.36 passes {@code DataType.ordinal()} to
     * libtorch and aborts the JVM beyond BOOLEAN, so I16/U16/U32/U64/F8 (and BFLOAT16) must never reach it.
     */
    enum Dtype {
        BOOL(1, DataType.BOOLEAN), U8(1, DataType.UINT8), I8(1, DataType.INT8), F8_E5M2(1, null),
        F8_E4M3(1, null), F8_E8M0(1, null), I16(2, null), U16(2, null), F16(2, DataType.FLOAT16),
        BF16(2, null), I32(4, DataType.INT32), U32(4, null), F32(4, DataType.FLOAT32), F64(8, DataType.FLOAT64),
        I64(8, DataType.INT64), U64(8, null);

        final int size;
        final DataType djl;

        Dtype(int size, DataType djl) {
            this.size = size;
            this.djl = djl;
        }

        boolean isFloat() {
            return this == F16 || this == BF16 || this == F32 || this == F64;
        }

        /** BF16 loads too, widened to float32 in Java. */
        boolean loadable() {
            return djl != null || this == BF16;
        }

        static Dtype parse(String name) {
            for (Dtype d : values()) {
                if (d.name().equals(name)) {
                    return d;
                }
            }
            return null;
        }

        static Dtype of(DataType type) {
            for (Dtype d : values()) {
                if (d.djl == type) {
                    return d;
                }
            }
            return null;
        }
    }

    /** A validated header: metadata and tensors in file order, and where the data buffer starts. */
    record Parsed(Map<String, String> metadata, Map<String, TensorInfo> tensors, long dataStart) {}

    private SafeTensorsHeader() {}

    static Parsed read(Path file, FileChannel ch) throws IOException {
        long fileSize = ch.size();
        if (fileSize < 8) {
            throw fail(file, "file is " + fileSize + " bytes, shorter than the 8-byte header length");
        }
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(file, ch, len, 0);
        long n = len.getLong(0);
        // n is a u64: negative here means >= 2^63, so compare unsigned.
        if (Long.compareUnsigned(n, MAX_HEADER_BYTES) > 0) {
            throw fail(file, "header length " + Long.toUnsignedString(n) + " exceeds the limit of "
                    + MAX_HEADER_BYTES + " bytes");
        }
        if (n > fileSize - 8) {
            throw fail(file, "header length " + n + " runs past the end of the file (" + fileSize + " bytes)");
        }
        ByteBuffer json = ByteBuffer.allocate((int) n);
        readFully(file, ch, json, 8);
        Parsed p = parse(file, json.array(), 8 + n);
        validate(file, p.tensors.values(), fileSize - p.dataStart);
        return p;
    }

    private static Parsed parse(Path file, byte[] json, long dataStart) throws IOException {
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        JsonReader r = new JsonReader(new InputStreamReader(new ByteArrayInputStream(json), utf8));
        r.setStrictness(Strictness.STRICT);
        Map<String, String> metadata = null;
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        try {
            if (r.peek() != JsonToken.BEGIN_OBJECT) {
                throw fail(file, "header is " + describe(r.peek()) + ", expected a JSON object");
            }
            r.beginObject();
            while (r.hasNext()) {
                String key = r.nextName();
                if (key.equals(METADATA_KEY)) {
                    if (metadata != null) {
                        throw fail(file, "duplicate key '" + METADATA_KEY + "' in the header");
                    }
                    metadata = readMetadata(file, r);
                } else {
                    if (tensors.containsKey(key)) {
                        throw fail(file, "duplicate tensor name '" + key + "' in the header");
                    }
                    tensors.put(key, readEntry(file, r, key));
                }
            }
            r.endObject();
            r.peek(); // strict mode throws here if anything but whitespace follows the object
        } catch (CharacterCodingException e) {
            throw fail(file, "header is not valid UTF-8");
        } catch (MalformedJsonException | EOFException | IllegalStateException | NumberFormatException e) {
            throw fail(file, "header is not valid JSON: " + e.getMessage());
        }
        return new Parsed(Collections.unmodifiableMap(metadata == null ? new LinkedHashMap<>() : metadata),
                Collections.unmodifiableMap(tensors), dataStart);
    }

    private static Map<String, String> readMetadata(Path file, JsonReader r) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        if (r.peek() == JsonToken.NULL) { // the reference library reads null as "no metadata"
            r.nextNull();
            return out;
        }
        if (r.peek() != JsonToken.BEGIN_OBJECT) {
            throw fail(file, METADATA_KEY + " is " + describe(r.peek()) + ", expected an object of strings");
        }
        r.beginObject();
        while (r.hasNext()) {
            String key = r.nextName();
            if (r.peek() != JsonToken.STRING) { // nextString() would quietly turn a number into text
                throw fail(file, METADATA_KEY + " value of '" + key + "' is " + describe(r.peek())
                        + ", expected a string");
            }
            if (out.put(key, r.nextString()) != null) {
                throw fail(file, "duplicate key '" + key + "' in " + METADATA_KEY);
            }
        }
        r.endObject();
        return out;
    }

    private static TensorInfo readEntry(Path file, JsonReader r, String name) throws IOException {
        if (r.peek() != JsonToken.BEGIN_OBJECT) {
            throw fail(file, "tensor '" + name + "': entry is " + describe(r.peek())
                    + ", expected an object with dtype, shape and data_offsets");
        }
        String dtype = null;
        long[] shape = null;
        long[] offsets = null;
        r.beginObject();
        while (r.hasNext()) {
            String key = r.nextName();
            switch (key) {
                case "dtype" -> {
                    if (dtype != null) {
                        throw fail(file, "tensor '" + name + "': duplicate key 'dtype'");
                    }
                    if (r.peek() != JsonToken.STRING) {
                        throw fail(file, "tensor '" + name + "': dtype is " + describe(r.peek())
                                + ", expected a string");
                    }
                    dtype = r.nextString();
                }
                case "shape" -> {
                    if (shape != null) {
                        throw fail(file, "tensor '" + name + "': duplicate key 'shape'");
                    }
                    shape = readNaturals(file, r, name, "shape");
                }
                case "data_offsets" -> {
                    if (offsets != null) {
                        throw fail(file, "tensor '" + name + "': duplicate key 'data_offsets'");
                    }
                    offsets = readNaturals(file, r, name, "data_offsets");
                    if (offsets.length != 2) {
                        throw fail(file, "tensor '" + name + "': data_offsets has " + offsets.length
                                + " numbers, expected 2 [begin, end]");
                    }
                }
                default -> r.skipValue(); // unknown keys are ignored, as by the reference library
            }
        }
        r.endObject();
        require(file, name, "dtype", dtype);
        require(file, name, "shape", shape);
        require(file, name, "data_offsets", offsets);
        return new TensorInfo(name, dtype, shape, offsets[0], offsets[1]);
    }

    private static void require(Path file, String name, String key, Object value) throws IOException {
        if (value == null) {
            throw fail(file, "tensor '" + name + "': missing key '" + key + "'");
        }
    }

    /** A JSON array of integers in [0, 2^63); anything else (negative, fractional, exponent) is an error. */
    private static long[] readNaturals(Path file, JsonReader r, String name, String key) throws IOException {
        String where = "tensor '" + name + "': " + key;
        if (r.peek() != JsonToken.BEGIN_ARRAY) {
            throw fail(file, where + " is " + describe(r.peek()) + ", expected an array of integers");
        }
        long[] out = new long[4];
        int n = 0;
        r.beginArray();
        while (r.hasNext()) {
            if (r.peek() != JsonToken.NUMBER) {
                throw fail(file, where + " holds " + describe(r.peek()) + ", expected integers");
            }
            String text = r.nextString();
            if (text.startsWith("-")) {
                throw fail(file, where + " holds the negative number " + text);
            }
            if (!text.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw fail(file, where + " holds " + text + ", expected an integer");
            }
            if (n == MAX_RANK) {
                throw fail(file, where + " has more than " + MAX_RANK + " entries");
            }
            try {
                out[n] = Long.parseLong(text);
            } catch (NumberFormatException e) {
                throw fail(file, where + " holds " + text + ", which exceeds 2^63-1");
            }
            n++;
            if (n == out.length) {
                out = Arrays.copyOf(out, 2 * n);
            }
        }
        r.endArray();
        return Arrays.copyOf(out, n);
    }

    /**
     * Per tensor: known dtype, offsets inside the data buffer, byte length = elements × dtype size; then, in offset
     * order, the tensors must tile the buffer exactly: no overlap (aliasing), no gap (hidden bytes), no tail.
     */
    private static void validate(Path file, Iterable<TensorInfo> tensors, long dataLength) throws IOException {
        List<TensorInfo> byOffset = new ArrayList<>();
        for (TensorInfo t : tensors) {
            String where = "tensor '" + t.name() + "': ";
            Dtype d = Dtype.parse(t.dtype());
            if (d == null) {
                throw fail(file, where + "unknown dtype '" + t.dtype() + "' (known: "
                        + Arrays.toString(Dtype.values()) + ")");
            }
            String offsets = "data_offsets [" + t.begin() + ", " + t.end() + "]";
            if (t.begin() > t.end()) {
                throw fail(file, where + offsets + " begin after end");
            }
            if (t.end() > dataLength) {
                throw fail(file, where + offsets + " run past the end of the data buffer (" + dataLength
                        + " bytes after the header)");
            }
            long bytes;
            try {
                bytes = Math.multiplyExact(t.elementCount(), d.size);
            } catch (ArithmeticException e) {
                throw fail(file, where + "shape " + Arrays.toString(t.shape()) + " of " + d
                        + " overflows 64 bits in bytes");
            }
            if (bytes != t.byteLength()) {
                throw fail(file, where + "shape " + Arrays.toString(t.shape()) + " of " + d + " needs " + bytes
                        + " bytes but " + offsets + " span " + t.byteLength());
            }
            byOffset.add(t);
        }
        byOffset.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        long covered = 0;
        TensorInfo previous = null;
        for (TensorInfo t : byOffset) {
            if (t.begin() < covered) {
                throw fail(file, "tensors '" + previous.name() + "' [" + previous.begin() + ", " + previous.end()
                        + "] and '" + t.name() + "' [" + t.begin() + ", " + t.end() + "] overlap");
            }
            if (t.begin() > covered) {
                throw fail(file, "data bytes [" + covered + ", " + t.begin() + ") before tensor '" + t.name()
                        + "' belong to no tensor");
            }
            covered = t.end();
            previous = t;
        }
        if (covered != dataLength) {
            throw fail(file, "data buffer is " + dataLength + " bytes but the tensors cover only " + covered
                    + " (bytes [" + covered + ", " + dataLength + ") belong to no tensor)");
        }
    }

    /**
     * The header as the reference writer emits it: compact JSON, {@code __metadata__} first (omitted when empty),
     * tensors in the given (data) order, padded with spaces to a multiple of 8 so the data buffer starts aligned.
     */
    static byte[] encode(List<TensorInfo> tensors, Map<String, String> metadata) {
        StringWriter text = new StringWriter();
        try (JsonWriter w = new JsonWriter(text)) {
            w.setHtmlSafe(false);
            w.beginObject();
            if (!metadata.isEmpty()) {
                w.name(METADATA_KEY).beginObject();
                for (Map.Entry<String, String> e : metadata.entrySet()) {
                    w.name(e.getKey()).value(e.getValue());
                }
                w.endObject();
            }
            for (TensorInfo t : tensors) {
                w.name(t.name()).beginObject();
                w.name("dtype").value(t.dtype());
                w.name("shape").beginArray();
                for (long d : t.shape()) {
                    w.value(d);
                }
                w.endArray();
                w.name("data_offsets").beginArray().value(t.begin()).value(t.end()).endArray();
                w.endObject();
            }
            w.endObject();
        } catch (IOException e) {
            throw new IllegalStateException("a StringWriter cannot fail", e);
        }
        byte[] json = text.toString().getBytes(StandardCharsets.UTF_8);
        byte[] padded = Arrays.copyOf(json, (json.length + 7) / 8 * 8);
        Arrays.fill(padded, json.length, padded.length, (byte) ' ');
        return padded;
    }

    static void readFully(Path file, FileChannel ch, ByteBuffer dst, long position) throws IOException {
        long p = position;
        while (dst.hasRemaining()) {
            int n = ch.read(dst, p);
            if (n < 0) {
                throw new EOFException(file + ": file ended at byte " + p + " (was it truncated while open?)");
            }
            p += n;
        }
    }

    private static String describe(JsonToken token) {
        return switch (token) {
            case BEGIN_ARRAY -> "an array";
            case BEGIN_OBJECT -> "an object";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            default -> token.toString();
        };
    }

    static IOException fail(Path file, String problem) {
        return new IOException(file + ": " + problem);
    }
}
