package dev.diffusion4j.server;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import dev.diffusion4j.adapters.Lora;
import dev.diffusion4j.io.SafeTensors;
import dev.diffusion4j.text.ExtraNetworkTag;
import dev.diffusion4j.text.ExtraNetworks;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The LoRA files of {@code --lora-dir} (and its sub-folders), listed as A1111's {@code GET /sdapi/v1/loras}:
 * {@code name} (the file stem, which {@code <lora:NAME:W>} tags use), {@code alias} (the training's
 * {@code ss_output_name}, else the name), {@code path} and {@code metadata} (a safetensors header's
 * {@code __metadata__}, JSON-valued entries parsed as A1111 does). A prompt may name only a listed LoRA; the list
 * changes on {@code POST /sdapi/v1/refresh-loras}, as A1111's does.
 */
final class LoraCatalog {

    private final Path dir;
    private volatile Map<String, JsonObject> byName = Map.of();

    LoraCatalog(Path dir) throws IOException {
        this.dir = dir;
        refresh();
    }

    /** The folder tags resolve in, or null when the server has none. */
    Path dir() {
        return dir;
    }

    synchronized void refresh() throws IOException {
        if (dir == null) {
            return;
        }
        List<Path> files;
        try (Stream<Path> s = Files.walk(dir)) {
            files = s.filter(Files::isRegularFile).filter(Lora::isLoraFile).sorted().toList();
        }
        Map<String, JsonObject> found = new LinkedHashMap<>();
        for (Path f : files) {
            String name = Lora.stem(f);
            if (!found.containsKey(name.toLowerCase(Locale.ROOT))) {
                found.put(name.toLowerCase(Locale.ROOT), entry(name, f));
            }
        }
        byName = found;
    }

    JsonArray list() {
        JsonArray out = new JsonArray();
        byName.values().forEach(o -> out.add(o.deepCopy()));
        return out;
    }

    /**
     * Refuses a prompt whose extra-network tags are not listed LoRAs (404): names come from the list, never paths.
     */
    void check(String prompt) {
        List<ExtraNetworkTag> tags;
        try {
            tags = ExtraNetworks.parse(prompt).tags();
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid(e.getMessage());
        }
        for (ExtraNetworkTag t : tags) {
            if (!t.type().equals("lora") && !t.type().equals("lyco")) {
                throw ApiException.notFound(t.tag() + ": only <lora:NAME:WEIGHT> extra networks are served");
            }
            if (!byName.containsKey(t.name().toLowerCase(Locale.ROOT))) {
                throw ApiException.notFound("LoRA '" + t.name() + "' not found; "
                        + (dir == null ? "the server has no --lora-dir"
                        : "listed: " + String.join(", ", byName.values().stream()
                                .map(o -> o.get("name").getAsString()).toList())
                        + " (POST /sdapi/v1/refresh-loras rescans --lora-dir)"));
            }
        }
    }

    private static JsonObject entry(String name, Path file) {
        JsonObject metadata = metadata(file);
        JsonElement output = metadata.get("ss_output_name");
        JsonObject o = new JsonObject();
        o.addProperty("name", name);
        o.addProperty("alias", output != null && output.isJsonPrimitive() && !output.getAsString().isBlank()
                ? output.getAsString() : name);
        o.addProperty("path", file.toAbsolutePath().toString());
        o.add("metadata", metadata);
        return o;
    }

    /** A safetensors file's {@code __metadata__}; empty for other formats or an unreadable header. */
    private static JsonObject metadata(Path file) {
        JsonObject out = new JsonObject();
        if (!file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".safetensors")) {
            return out;
        }
        try (SafeTensors st = SafeTensors.open(file, false)) {
            st.metadata().forEach((k, v) -> out.add(k, value(v)));
        } catch (IOException | RuntimeException e) {
            // listed without metadata; a malformed file is reported when a prompt uses it
        }
        return out;
    }

    private static JsonElement value(String v) {
        if (v.startsWith("{")) {
            try {
                return JsonParser.parseString(v);
            } catch (JsonParseException e) {
                // not JSON after all: kept as the string it is
            }
        }
        return new JsonPrimitive(v);
    }
}
