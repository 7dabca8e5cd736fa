package dev.diffusion4j.text;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Special tokens and length of an HF tokenizer folder, resolved as {@code from_pretrained} does: CLIPTokenizer's
 * defaults, overridden by {@code tokenizer_config.json}, overridden by {@code special_tokens_map.json}. A token is
 * either a string or an AddedToken object whose {@code content} is the string. Both files are optional, as in HF.
 *
 * @param bos text of the beginning-of-sequence token
 * @param eos text of the end-of-sequence token
 * @param unk text of the token for symbols missing from the vocabulary
 * @param pad text of the padding token ({@code <|endoftext|>} in SD 1.x folders, {@code !} in SD 2.x)
 * @param special every special token's text, each with the file and key that named it (for error messages)
 * @param maxLength {@code model_max_length}, 77 when absent
 */
record TokenizerConfig(String bos, String eos, String unk, String pad, Map<String, String> special, int maxLength) {

    static final String SPECIAL_TOKENS_MAP = "special_tokens_map.json";
    static final String TOKENIZER_CONFIG = "tokenizer_config.json";

    /** HF's {@code SPECIAL_TOKENS_ATTRIBUTES} minus the list-valued {@code additional_special_tokens}. */
    private static final List<String> KEYS =
            List.of("bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token");
    private static final String ADDITIONAL = "additional_special_tokens";

    static TokenizerConfig read(Path dir) throws IOException {
        Map<String, String> tokens = new LinkedHashMap<>();
        tokens.put("bos_token", ClipTokenizer.START_OF_TEXT);
        tokens.put("eos_token", ClipTokenizer.END_OF_TEXT);
        tokens.put("unk_token", ClipTokenizer.END_OF_TEXT);
        tokens.put("pad_token", ClipTokenizer.END_OF_TEXT);
        Map<String, String> where = new LinkedHashMap<>();
        tokens.keySet().forEach(key -> where.put(key, "CLIPTokenizer's default " + key));
        List<String> additional = List.of();
        int maxLength = 77;

        for (String name : List.of(TOKENIZER_CONFIG, SPECIAL_TOKENS_MAP)) {
            Path file = dir.resolve(name);
            if (!Files.exists(file)) {
                continue;
            }
            JsonObject json = readObject(file);
            for (String key : KEYS) {
                String text = tokenText(json.get(key), file, key);
                if (text != null) {
                    tokens.put(key, text);
                    where.put(key, file + " key " + key);
                }
            }
            JsonElement extra = json.get(ADDITIONAL);
            if (extra != null && !extra.isJsonNull()) {
                if (!extra.isJsonArray()) {
                    throw new IOException(file + ": " + ADDITIONAL + " must be a list, got " + extra);
                }
                additional = new ArrayList<>();
                for (JsonElement e : extra.getAsJsonArray()) {
                    additional.add(tokenText(e, file, ADDITIONAL));
                }
                where.put(ADDITIONAL, file + " key " + ADDITIONAL);
            }
            if (name.equals(TOKENIZER_CONFIG) && json.has("model_max_length")) {
                maxLength = maxLength(json.get("model_max_length"), file);
            }
        }

        Map<String, String> special = new LinkedHashMap<>();
        tokens.forEach((key, text) -> special.putIfAbsent(text, where.get(key)));
        for (String text : additional) {
            special.putIfAbsent(text, where.get(ADDITIONAL));
        }
        return new TokenizerConfig(tokens.get("bos_token"), tokens.get("eos_token"), tokens.get("unk_token"),
                tokens.get("pad_token"), special, maxLength);
    }

    private static JsonObject readObject(Path file) throws IOException {
        try {
            JsonElement json = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8));
            if (!json.isJsonObject()) {
                throw new IOException(file + ": expected a JSON object");
            }
            return json.getAsJsonObject();
        } catch (JsonParseException | IllegalStateException | CharacterCodingException e) {
            throw new IOException(file + ": malformed JSON: " + e, e);
        }
    }

    /** A token given as a string or as an AddedToken object; null when absent or JSON null. */
    private static String tokenText(JsonElement value, Path file, String key) throws IOException {
        if (value == null || value.isJsonNull()) {
            return null;
        }
        if (value.isJsonPrimitive() && value.getAsJsonPrimitive().isString()) {
            return nonEmpty(value.getAsString(), file, key);
        }
        if (value.isJsonObject()) {
            JsonElement content = value.getAsJsonObject().get("content");
            if (content != null && content.isJsonPrimitive() && content.getAsJsonPrimitive().isString()) {
                return nonEmpty(content.getAsString(), file, key);
            }
        }
        throw new IOException(file + ": " + key + " must be a string or an object with a string \"content\", got "
                + value);
    }

    private static String nonEmpty(String text, Path file, String key) throws IOException {
        if (text.isEmpty()) {
            throw new IOException(file + ": " + key + " is empty");
        }
        return text;
    }

    /** The longest padded sequence accepted: far beyond any CLIP (77), small enough that padding cannot exhaust memory. */
    static final int MAX_LENGTH = 8192;

    private static int maxLength(JsonElement value, Path file) throws IOException {
        // HF writes 1e30-like "no limit" sentinels for some models; those fail here rather than silently becoming
        // 77 or overflowing.
        if (value.isJsonPrimitive() && value.getAsJsonPrimitive().isNumber()) {
            try {
                BigDecimal n = value.getAsBigDecimal();
                if (n.stripTrailingZeros().scale() <= 0 && n.compareTo(BigDecimal.valueOf(2)) >= 0
                        && n.compareTo(BigDecimal.valueOf(MAX_LENGTH)) <= 0) {
                    return n.intValue();
                }
            } catch (NumberFormatException | ArithmeticException e) {
                // an exponent too large for BigDecimal: out of range like any other
            }
        }
        throw new IOException(file + ": model_max_length must be an integer from 2 to " + MAX_LENGTH
                + " (room for BOS and EOS; CLIP uses 77), got " + value);
    }
}
