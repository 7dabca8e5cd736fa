package dev.diffusion4j.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * A diffusers pipeline folder ({@code model_index.json} with {@code text_encoder/}, {@code tokenizer/},
 * {@code unet/}, {@code vae/}, {@code scheduler/}), given as a path or as a Hugging Face repo id found offline in
 * the hub cache ({@code models--org--name/snapshots/<rev>/}).
 */
public record ModelDirectory(Path root, String name) {

    /** Weight file names per component, in order of preference (full precision first). */
    private static final List<String> TEXT_ENCODER_WEIGHTS = List.of("model.safetensors", "model.fp16.safetensors");
    private static final List<String> DIFFUSERS_WEIGHTS = List.of("diffusion_pytorch_model.safetensors",
            "diffusion_pytorch_model.fp16.safetensors");

    /**
     * Resolves {@code spec}: an existing directory, or an {@code org/name} repo id in the Hugging Face cache
     * ({@code $HF_HUB_CACHE}, else {@code $HF_HOME/hub}, else {@code ~/.cache/huggingface/hub}).
     */
    public static ModelDirectory resolve(String spec) throws IOException {
        return resolve(spec, hubCache());
    }

    /** {@link #resolve(String)} against an explicit hub cache folder. */
    public static ModelDirectory resolve(String spec, Path cache) throws IOException {
        Path p = Path.of(spec);
        if (Files.isDirectory(p)) {
            return open(p, spec);
        }
        if (spec.matches("[\\w.-]+/[\\w.-]+")) {
            Path repo = cache.resolve("models--" + spec.replace("/", "--"));
            if (Files.isDirectory(repo)) {
                return open(snapshot(repo), spec);
            }
            throw new IOException("model '" + spec + "' is neither a directory nor a repo in the Hugging Face cache ("
                    + repo + " not found; nothing is downloaded)");
        }
        throw new IOException("model directory not found: " + spec);
    }

    /** Opens a diffusers folder, checking that it is one. */
    public static ModelDirectory open(Path dir, String name) throws IOException {
        if (!Files.isRegularFile(dir.resolve("model_index.json"))) {
            throw new IOException(dir + ": not a diffusers model folder (no model_index.json)");
        }
        return new ModelDirectory(dir, name);
    }

    static Path hubCache() {
        String hub = System.getenv("HF_HUB_CACHE");
        if (hub != null && !hub.isBlank()) {
            return Path.of(hub);
        }
        String home = System.getenv("HF_HOME");
        if (home != null && !home.isBlank()) {
            return Path.of(home, "hub");
        }
        return Path.of(System.getProperty("user.home"), ".cache", "huggingface", "hub");
    }

    /** The snapshot {@code refs/main} names, else the only (or newest) snapshot. */
    static Path snapshot(Path repo) throws IOException {
        Path ref = repo.resolve("refs").resolve("main");
        if (Files.isRegularFile(ref)) {
            Path snap = repo.resolve("snapshots").resolve(Files.readString(ref).strip());
            if (Files.isDirectory(snap)) {
                return snap;
            }
        }
        Path snaps = repo.resolve("snapshots");
        if (!Files.isDirectory(snaps)) {
            throw new IOException(repo + ": Hugging Face cache entry has no snapshots/ folder");
        }
        try (Stream<Path> s = Files.list(snaps)) {
            return s.filter(Files::isDirectory)
                    .max((a, b) -> Long.compare(a.toFile().lastModified(), b.toFile().lastModified()))
                    .orElseThrow(() -> new IOException(snaps + ": no snapshot in the Hugging Face cache entry"));
        }
    }

    /** {@code <root>/<part>/config.json} (or the given file), which must exist. */
    public Path file(String part, String fileName) throws IOException {
        Path f = root.resolve(part).resolve(fileName);
        if (!Files.isRegularFile(f)) {
            throw new IOException(name + ": part '" + part + "' is missing " + fileName + " (" + f + ")");
        }
        return f;
    }

    /** The safetensors weight file of a part: text_encoder uses transformers' names, the rest diffusers'. */
    public Path weights(String part) throws IOException {
        Path dir = root.resolve(part);
        if (!Files.isDirectory(dir)) {
            throw new IOException(name + ": part '" + part + "' is missing (" + dir + ")");
        }
        List<String> names = part.startsWith("text_encoder") ? TEXT_ENCODER_WEIGHTS : DIFFUSERS_WEIGHTS;
        for (String n : names) {
            if (Files.isRegularFile(dir.resolve(n))) {
                return dir.resolve(n);
            }
        }
        try (Stream<Path> s = Files.list(dir)) {
            List<String> present = s.map(p -> p.getFileName().toString()).sorted().toList();
            String hint = present.stream().anyMatch(n -> n.endsWith(".bin"))
                    ? " (only PyTorch .bin weights found: convert them to safetensors)" : "";
            throw new IOException(name + ": part '" + part + "' has no weights: expected one of " + names
                    + ", found " + present + hint);
        }
    }
}
