package dev.diffusion4j.server;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.util.ArrayList;
import java.util.List;

/**
 * Typed reads of a JSON request body. Unknown fields are left alone (clients send many we do not implement); a
 * known field of the wrong type fails with 422 naming it. Numbers may come as numeric strings, as pydantic (which
 * A1111 validates with) accepts them; null means "not given".
 */
final class Fields {

    private final JsonObject body;

    Fields(JsonObject body) {
        this.body = body;
    }

    /** Parses a request body that must be a JSON object: 400 when it is not JSON, 422 when it is not an object. */
    static Fields parse(String text) {
        JsonElement e;
        try {
            e = JsonParser.parseString(text);
        } catch (JsonParseException ex) {
            throw ApiException.badRequest("the request body is not valid JSON");
        }
        if (e == null || !e.isJsonObject()) {
            throw ApiException.invalid("the request body must be a JSON object");
        }
        return new Fields(e.getAsJsonObject());
    }

    JsonObject json() {
        return body;
    }

    boolean has(String key) {
        return body.has(key) && !body.get(key).isJsonNull();
    }

    String string(String key, String fallback) {
        if (!has(key)) return fallback;
        JsonElement e = body.get(key);
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) {
            return e.getAsString();
        }
        throw ApiException.invalid("field '" + key + "' must be a string, got " + e);
    }

    long integer(String key, long fallback) {
        if (!has(key)) return fallback;
        double v = number(key);
        if (v != Math.rint(v) || Math.abs(v) > 0x1p63) {
            throw ApiException.invalid("field '" + key + "' must be an integer, got " + body.get(key));
        }
        return (long) v;
    }

    int integer(String key, int fallback, int min, int max) {
        long v = integer(key, fallback);
        if (v < min || v > max) {
            throw ApiException.invalid("field '" + key + "' must be in [" + min + ", " + max + "], got " + v);
        }
        return (int) v;
    }

    double decimal(String key, double fallback) {
        return has(key) ? number(key) : fallback;
    }

    boolean bool(String key, boolean fallback) {
        if (!has(key)) return fallback;
        JsonElement e = body.get(key);
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isBoolean()) {
            return e.getAsBoolean();
        }
        throw ApiException.invalid("field '" + key + "' must be true or false, got " + e);
    }

    /** A list of strings, or one string as a list of one (A1111's {@code init_images} and OpenAI's prompt). */
    List<String> strings(String key) {
        List<String> out = new ArrayList<>();
        if (!has(key)) return out;
        JsonElement e = body.get(key);
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) {
            out.add(e.getAsString());
            return out;
        }
        if (e.isJsonArray()) {
            for (JsonElement item : e.getAsJsonArray()) {
                if (!item.isJsonPrimitive() || !item.getAsJsonPrimitive().isString()) {
                    throw ApiException.invalid("field '" + key + "' must be a list of strings, got an item " + item);
                }
                out.add(item.getAsString());
            }
            return out;
        }
        throw ApiException.invalid("field '" + key + "' must be a list of strings, got " + e);
    }

    JsonObject object(String key) {
        if (!has(key)) return new JsonObject();
        JsonElement e = body.get(key);
        if (e.isJsonObject()) return e.getAsJsonObject();
        throw ApiException.invalid("field '" + key + "' must be an object, got " + e);
    }

    private double number(String key) {
        JsonElement e = body.get(key);
        if (e.isJsonPrimitive()) {
            JsonPrimitive p = e.getAsJsonPrimitive();
            try {
                double v = p.isNumber() ? p.getAsDouble() : p.isString() ? Double.parseDouble(p.getAsString().trim()) : Double.NaN;
                if (Double.isFinite(v)) return v;
            } catch (NumberFormatException ignored) {
                // falls through to the message below
            }
        }
        throw ApiException.invalid("field '" + key + "' must be a number, got " + e);
    }
}
