package dev.diffusion4j.server;

import dev.diffusion4j.io.ModelDirectory;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The models a server may load, by name: the built-in model, the one given with {@code -m}, and every diffusers
 * folder (one with {@code model_index.json}) directly under {@code --models-dir}. Clients choose by name only; a
 * name that is not listed is refused, so no client-supplied path is ever opened.
 */
final class ModelCatalog {

    private final ModelDirectory builtIn;
    private final ModelDirectory initial;
    private final Path modelsDir;
    private Map<String, ModelDirectory> models = Map.of();

    ModelCatalog(ModelDirectory builtIn, ModelDirectory initial, Path modelsDir) throws IOException {
        this.builtIn = builtIn;
        this.initial = initial;
        this.modelsDir = modelsDir;
        refresh();
    }

    /** Rescans {@code --models-dir}. */
    synchronized void refresh() throws IOException {
        Map<String, ModelDirectory> found = new LinkedHashMap<>();
        found.put(initial.name(), initial);
        if (builtIn != null) {
            found.putIfAbsent(builtIn.name(), builtIn);
        }
        if (modelsDir != null) {
            List<Path> dirs = new ArrayList<>();
            try (DirectoryStream<Path> s = Files.newDirectoryStream(modelsDir)) {
                s.forEach(dirs::add);
            }
            dirs.sort(null);
            for (Path d : dirs) {
                if (Files.isRegularFile(d.resolve("model_index.json"))) {
                    String name = d.getFileName().toString();
                    found.putIfAbsent(name, ModelDirectory.open(d, name));
                }
            }
        }
        models = found;
    }

    synchronized List<ModelDirectory> list() {
        return List.copyOf(models.values());
    }

    ModelDirectory initial() {
        return initial;
    }

    /**
     * The model a client names: its name, or A1111's title form {@code "name [hash]"}; 404 naming the listed ones
     * otherwise.
     */
    synchronized ModelDirectory find(String title) {
        String name = title.replaceFirst("\\s*\\[[0-9a-fA-F]*\\]$", "").trim();
        ModelDirectory d = models.get(name);
        if (d == null) {
            throw ApiException.notFound("model '" + title + "' not found; listed models: "
                    + String.join(", ", models.keySet()) + " (POST /sdapi/v1/refresh-checkpoints rescans --models-dir)");
        }
        return d;
    }
}
