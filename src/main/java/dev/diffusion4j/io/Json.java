package dev.diffusion4j.io;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Function;

/** Reading diffusers / transformers {@code config.json} files with defaults for absent keys. */
public final class Json {

    private Json() {}

    /** Parses a JSON object file; a missing file or malformed JSON fails with one message naming the file. */
    public static JsonObject readObject(Path file) throws IOException {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "file not found");
        }
        try {
            JsonElement e = JsonParser.parseString(text);
            if (!e.isJsonObject()) {
                throw new IOException(file + ": expected a JSON object");
            }
            return e.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new IOException(file + ": invalid JSON: " + e.getMessage(), e);
        }
    }

    /** How {@link #readConfig} words a value that {@code parse} failed on without a message of its own. */
    public static final String INVALID = "invalid value";

    /**
     * Reads a config file into a record with {@code parse}; a bad value (wrong type, unsupported setting, out of range)
     * fails as an IOException naming the file, whatever {@code parse} throws.
     */
    public static <T> T readConfig(Path file, Function<JsonObject, T> parse) throws IOException {
        JsonObject o = readObject(file);
        try {
            return parse.apply(o);
        } catch (IllegalArgumentException | IllegalStateException | UnsupportedOperationException
                 | ClassCastException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            // a value the parser did not range-check (a zero divisor, a negative size): still the file's fault
            throw new IOException(file + ": " + INVALID + " (" + e + ")", e);
        }
    }

    /** Most values a per-block list may have: real configs have at most a handful (one per resolution level). */
    public static final int MAX_LIST = 64;

    /**
     * An integer; absent or null gives {@code dflt}. Anything else than an integral number that fits an {@code int}
     * (1.5, 1e10, "64", a list) fails naming the key: Gson's own {@code getAsInt} would truncate 1.5 to 1 and wrap
     * 1e10 silently.
     */
    public static int getInt(JsonObject o, String key, int dflt) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? dflt : toInt(key, e);
    }

    /** {@link #getInt(JsonObject, String, int)} that must also lie in [min, max] (a default is not checked). */
    public static int getInt(JsonObject o, String key, int dflt, int min, int max) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? dflt : checkRange(key, toInt(key, e), min, max);
    }

    /** A finite number; absent or null gives {@code dflt}. NaN and infinities (which lenient JSON allows) fail. */
    public static double getDouble(JsonObject o, String key, double dflt) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? dflt : toDouble(key, e);
    }

    /** {@link #getDouble(JsonObject, String, double)} that must also lie in [min, max]. */
    public static double getDouble(JsonObject o, String key, double dflt, double min, double max) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            return dflt;
        }
        double v = toDouble(key, e);
        if (v < min || v > max) {
            throw new IllegalArgumentException(key + " must be in [" + min + ", " + max + "], got " + e);
        }
        return v;
    }

    public static boolean getBool(JsonObject o, String key, boolean dflt) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            return dflt;
        }
        // "true" / "false" as strings too, as Gson always read them
        if (e.isJsonPrimitive() && (e.getAsJsonPrimitive().isBoolean()
                || e.getAsString().equalsIgnoreCase("true") || e.getAsString().equalsIgnoreCase("false"))) {
            return e.getAsBoolean();
        }
        throw new IllegalArgumentException(key + " must be true or false, got " + brief(e));
    }

    public static String getString(JsonObject o, String key, String dflt) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? dflt : toStr(key, e);
    }

    /** An int list; a single number is repeated {@code n} times (diffusers accepts both forms for per-block values). */
    public static int[] getInts(JsonObject o, String key, int n, int[] dflt) {
        return getInts(o, key, n, dflt, Integer.MIN_VALUE, Integer.MAX_VALUE);
    }

    /**
     * {@link #getInts(JsonObject, String, int, int[])} whose values must lie in [min, max]. Any int list given must
     * hold 1 to {@link #MAX_LIST} values (an empty {@code block_out_channels} would build a model with no blocks).
     */
    public static int[] getInts(JsonObject o, String key, int n, int[] dflt, int min, int max) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            return dflt;
        }
        if (e.isJsonPrimitive()) {
            if (n < 0 || n > MAX_LIST) {
                throw new IllegalArgumentException(key + ": cannot repeat a single value " + n + " times");
            }
            int[] out = new int[n];
            Arrays.fill(out, checkRange(key, toInt(key, e), min, max));
            return out;
        }
        JsonArray a = list(key, e, 1);
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = checkRange(key, toInt(key, a.get(i)), min, max);
        return out;
    }

    public static String[] getStrings(JsonObject o, String key, String[] dflt) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            return dflt;
        }
        JsonArray a = list(key, e, 0);
        String[] out = new String[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = toStr(key, a.get(i));
        return out;
    }

    private static int toInt(String key, JsonElement e) {
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
            try {
                BigDecimal d = e.getAsBigDecimal().stripTrailingZeros();
                // scale checks first: intValueExact of 1e-999999999 would divide for minutes
                if (d.scale() <= 0 && d.scale() > -10) {
                    return d.intValueExact();
                }
            } catch (ArithmeticException | NumberFormatException notAnInt) {
                // NaN, Infinity, or out of range: the message below
            }
        }
        throw new IllegalArgumentException(key + " must be an integer in [" + Integer.MIN_VALUE + ", "
                + Integer.MAX_VALUE + "], got " + brief(e));
    }

    private static double toDouble(String key, JsonElement e) {
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
            try {
                double v = e.getAsDouble();
                if (Double.isFinite(v)) {
                    return v;
                }
            } catch (NumberFormatException notANumber) {
                // the message below
            }
        }
        throw new IllegalArgumentException(key + " must be a finite number, got " + brief(e));
    }

    private static String toStr(String key, JsonElement e) {
        if (!e.isJsonPrimitive()) {
            throw new IllegalArgumentException(key + " must be a string, got " + brief(e));
        }
        return e.getAsString();
    }

    private static JsonArray list(String key, JsonElement e, int minSize) {
        if (!e.isJsonArray()) {
            throw new IllegalArgumentException(key + " must be a list, got " + brief(e));
        }
        JsonArray a = e.getAsJsonArray();
        if (a.size() < minSize || a.size() > MAX_LIST) {
            throw new IllegalArgumentException(key + " must have " + minSize + " to " + MAX_LIST + " values, got "
                    + a.size());
        }
        return a;
    }

    private static int checkRange(String key, int v, int min, int max) {
        if (v < min || v > max) {
            throw new IllegalArgumentException(key + " must be in [" + min + ", " + max + "], got " + v);
        }
        return v;
    }

    /** A JSON value for a message, cut short: a hostile config may hold megabytes in one value. */
    private static String brief(JsonElement e) {
        String s = e.toString();
        return s.length() <= 40 ? s : s.substring(0, 37) + "...";
    }

    public static JsonArray array(int[] values) {
        JsonArray a = new JsonArray();
        for (int v : values) a.add(v);
        return a;
    }

    public static JsonArray array(String[] values) {
        JsonArray a = new JsonArray();
        for (String v : values) a.add(v);
        return a;
    }

    /** Writes pretty-printed JSON atomically (temp file, then rename). */
    public static void write(Path file, JsonElement json) throws IOException {
        String text = new GsonBuilder().setPrettyPrinting().create().toJson(json) + "\n";
        AtomicFiles.writeString(file, text);
    }
}
