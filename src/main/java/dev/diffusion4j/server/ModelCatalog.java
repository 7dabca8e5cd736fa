package dev.diffusion4j.server;

import dev.diffusion4j.io.ModelDirectory;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The models a server may load, by name: the built-in model, the one given with {@code -m}, every diffusers folder
 * (one with {@code model_index.json}) directly under {@code --models-dir}, and every original single file there
 * ({@code .safetensors}, {@code .ckpt}), named by its file name as A1111 names checkpoints. A file's architecture is
 * its family's published one unless a folder {@code NAME.config} beside {@code NAME.safetensors} holds diffusers
 * configs (as A1111 reads {@code NAME.yaml} beside a checkpoint); such folders are not listed themselves. Clients
 * choose by name only; a name that is not listed is refused, so no client-supplied path is ever opened.
 */
final class ModelCatalog implements AutoCloseable {

    /** The suffix of a single file's config folder. */
    static final String CONFIG_SUFFIX = ".config";

    private final ServedModel builtIn;
    private final ServedModel initial;
    private final Path modelsDir;
    private final FileHashes hashes = new FileHashes();
    private Map<String, ServedModel> models = Map.of();

    ModelCatalog(ServedModel builtIn, ServedModel initial, Path modelsDir) throws IOException {
        this.builtIn = builtIn;
        this.initial = initial;
        this.modelsDir = modelsDir;
        refresh();
    }

    /** Rescans {@code --models-dir}; single files are hashed in the background. */
    synchronized void refresh() throws IOException {
        Map<String, ServedModel> found = new LinkedHashMap<>();
        found.put(initial.name(), initial);
        if (builtIn != null) {
            found.putIfAbsent(builtIn.name(), builtIn);
        }
        if (modelsDir != null) {
            List<Path> entries = new ArrayList<>();
            try (DirectoryStream<Path> s = Files.newDirectoryStream(modelsDir)) {
                s.forEach(entries::add);
            }
            entries.sort(null);
            for (Path p : entries) {
                String name = p.getFileName().toString();
                if (Files.isRegularFile(p.resolve("model_index.json")) && !name.endsWith(CONFIG_SUFFIX)) {
                    found.putIfAbsent(name, ServedModel.of(ModelDirectory.open(p, name)));
                } else if (Files.isRegularFile(p) && isCheckpoint(name)) {
                    Path config = p.resolveSibling(stem(name) + CONFIG_SUFFIX);
                    found.putIfAbsent(name, ServedModel.file(name, p, Files.isDirectory(config) ? config : null));
                }
            }
        }
        models = found;
        for (ServedModel m : found.values()) {
            sha256(m);
        }
    }

    /** A1111's checkpoint extensions. */
    private static boolean isCheckpoint(String fileName) {
        String n = fileName.toLowerCase(Locale.ROOT);
        return !n.startsWith(".") && (n.endsWith(".safetensors") || n.endsWith(".ckpt"));
    }

    synchronized List<ServedModel> list() {
        return List.copyOf(models.values());
    }

    ServedModel initial() {
        return initial;
    }

    /** A single file's sha256 once hashed (null before, and for folders, which A1111 does not hash). */
    String sha256(ServedModel m) {
        return m.file() == null ? null : hashes.sha256(m.file());
    }

    /** A1111's title: the name and, once known, the short hash in brackets. */
    String title(ServedModel m) {
        String h = FileHashes.shortHash(sha256(m));
        return h == null ? m.name() : m.name() + " [" + h + "]";
    }

    /**
     * The model a client names: its name (a file's with or without the extension), or A1111's title form
     * {@code "name [hash]"}; 404 naming the listed ones otherwise.
     */
    synchronized ServedModel find(String title) {
        String name = title.replaceFirst("\\s*\\[[0-9a-fA-F]*\\]$", "").trim();
        ServedModel d = models.get(name);
        if (d == null) {
            d = models.values().stream().filter(m -> m.file() != null && stem(m.name()).equals(name)).findFirst()
                    .orElse(null);
        }
        if (d == null) {
            throw ApiException.notFound("model '" + title + "' not found; listed models: "
                    + String.join(", ", models.keySet()) + " (POST /sdapi/v1/refresh-checkpoints rescans --models-dir)");
        }
        return d;
    }

    /** A file name without its extension: A1111's {@code model_name}. */
    static String stem(String fileName) {
        int dot = fileName.lastIndexOf('.');
        return dot > 0 ? fileName.substring(0, dot) : fileName;
    }

    @Override
    public void close() {
        hashes.close();
    }
}
