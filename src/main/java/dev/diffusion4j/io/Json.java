package dev.diffusion4j.io;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

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

    /**
     * Reads a config file into a record with {@code parse}; a bad value (wrong type, unsupported setting) fails as an
     * IOException naming the file.
     */
    public static <T> T readConfig(Path file, java.util.function.Function<JsonObject, T> parse) throws IOException {
        JsonObject o = readObject(file);
        try {
            return parse.apply(o);
        } catch (IllegalArgumentException | IllegalStateException | UnsupportedOperationException
                 | ClassCastException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    public static int getInt(JsonObject o, String key, int dflt) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? dflt : e.getAsInt();
    }

    public static double getDouble(JsonObject o, String key, double dflt) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? dflt : e.getAsDouble();
    }

    public static boolean getBool(JsonObject o, String key, boolean dflt) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? dflt : e.getAsBoolean();
    }

    public static String getString(JsonObject o, String key, String dflt) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? dflt : e.getAsString();
    }

    /** An int list; a single number is repeated {@code n} times (diffusers accepts both forms for per-block values). */
    public static int[] getInts(JsonObject o, String key, int n, int[] dflt) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            return dflt;
        }
        if (e.isJsonPrimitive()) {
            int[] out = new int[n];
            java.util.Arrays.fill(out, e.getAsInt());
            return out;
        }
        JsonArray a = e.getAsJsonArray();
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).getAsInt();
        return out;
    }

    public static String[] getStrings(JsonObject o, String key, String[] dflt) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            return dflt;
        }
        JsonArray a = e.getAsJsonArray();
        String[] out = new String[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).getAsString();
        return out;
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
        String text = new com.google.gson.GsonBuilder().setPrettyPrinting().create().toJson(json) + "\n";
        AtomicFiles.writeString(file, text);
    }
}
