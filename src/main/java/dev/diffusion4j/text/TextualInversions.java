package dev.diffusion4j.text;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.diffusion4j.io.SafeTensors;
import dev.diffusion4j.io.TensorRef;
import dev.diffusion4j.io.TorchCheckpoint;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The textual-inversion embeddings of a folder (and its sub-folders), each triggered by its file stem. Formats:
 * A1111 pickles ({@code .pt}: {@code string_to_param} holds one tensor), A1111 safetensors ({@code emb_params}) and
 * diffusers' {@code learned_embeds} ({@code .bin} or {@code .safetensors} with one tensor under its token); a
 * tensor of shape (n, D) is n vectors, (D) one. SDXL embeddings (A1111 / kohya safetensors with {@code clip_l} and
 * {@code clip_g}) keep one tensor per encoder. An embedding whose width does not fit the text encoder is refused when
 * a prompt uses it.
 * Two sets are equal when they hold the same names with the same file hashes.
 */
public final class TextualInversions {

    /** No embeddings. */
    public static final TextualInversions NONE = new TextualInversions(Map.of());

    private static final List<String> EXTENSIONS = List.of(".pt", ".bin", ".safetensors");

    private final Map<String, TextualInversion> byName;

    /**
     * The last load of each folder, by its files' paths, sizes and modification times: every generation of a
     * long-lived server names the same folder, and reading and hashing each file again would be the same work.
     */
    private static final Map<Path, Loaded> LOADED = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Path, Loaded> eldest) {
            return size() > 8;
        }
    };

    private record Stamp(Path file, long size, FileTime modified) {}

    private record Loaded(List<Stamp> stamps, TextualInversions embeddings) {}

    private TextualInversions(Map<String, TextualInversion> byName) {
        this.byName = Collections.unmodifiableMap(byName);
    }

    /**
     * Reads every {@code .pt}, {@code .bin} and {@code .safetensors} file under {@code dir}; while no file of the
     * folder was added, removed, resized or modified since the last call, that call's result.
     *
     * @throws IOException naming the file that is not an embedding, or two files with the same stem
     */
    public static TextualInversions load(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException("embeddings folder " + dir + " does not exist or is not a folder");
        }
        List<Path> files;
        try (Stream<Path> s = Files.walk(dir)) {
            files = s.filter(Files::isRegularFile).filter(p -> extension(p) != null)
                    .filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
        }
        List<Stamp> stamps = new ArrayList<>();
        for (Path f : files) {
            stamps.add(new Stamp(f, Files.size(f), Files.getLastModifiedTime(f)));
        }
        Path key = dir.toAbsolutePath().normalize();
        synchronized (LOADED) {
            Loaded last = LOADED.get(key);
            if (last != null && last.stamps().equals(stamps)) {
                return last.embeddings();
            }
        }
        TextualInversions read = readAll(files);
        synchronized (LOADED) {
            LOADED.put(key, new Loaded(List.copyOf(stamps), read));
        }
        return read;
    }

    private static TextualInversions readAll(List<Path> files) throws IOException {
        Map<String, TextualInversion> byName = new LinkedHashMap<>();
        for (Path f : files) {
            TextualInversion e = read(f);
            TextualInversion other = byName.putIfAbsent(e.name().toLowerCase(Locale.ROOT), e);
            if (other != null) {
                throw new IOException("embeddings " + other.file() + " and " + f + " have the same trigger \""
                        + e.name() + "\": rename one");
            }
        }
        return new TextualInversions(byName);
    }

    /** The embeddings by lower-case name, in file order. */
    public Map<String, TextualInversion> byName() {
        return byName;
    }

    public boolean isEmpty() {
        return byName.isEmpty();
    }

    /** The trigger lookup for a tokenizer ({@link EmbeddingLookup#byName}). */
    EmbeddingLookup lookup(ClipTokenizer tokenizer) {
        if (byName.isEmpty()) {
            return EmbeddingLookup.NONE;
        }
        Map<String, Integer> vectors = new LinkedHashMap<>();
        byName.values().forEach(e -> vectors.put(e.name(), e.vectors()));
        return EmbeddingLookup.byName(tokenizer, vectors);
    }

    TextualInversion get(String name) {
        return byName.get(name.toLowerCase(Locale.ROOT));
    }

    /** One embedding file. */
    static TextualInversion read(Path file) throws IOException {
        String fileName = file.getFileName().toString();
        String name = fileName.substring(0, fileName.length() - extension(file).length());
        String hash = shortHash(file);
        if (extension(file).equals(".safetensors")) {
            try (SafeTensors st = SafeTensors.open(file)) {
                List<String> names = new ArrayList<>(st.names());
                if (names.contains(TextualInversion.CLIP_L) || names.contains(TextualInversion.CLIP_G)) {
                    return sdxl(name, file, st, hash);
                }
                String key = names.contains("emb_params") ? "emb_params" : single(file, names);
                return of(name, file, st.info(key).shape(), st.floats(key), hash);
            }
        }
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(file); NDManager m = NDManager.newBaseManager()) {
            TensorRef t = tensor(file, ckpt.root());
            float[] values = ckpt.load(t, m, DataType.FLOAT32).toFloatArray();
            return of(name, file, t.shape(), values, hash);
        }
    }

    /** The embedding's tensor in a torch pickle: A1111's string_to_param (a dict or ParameterDict), else the only one. */
    private static TensorRef tensor(Path file, Object root) throws IOException {
        if (!(root instanceof Map<?, ?> map)) {
            throw new IOException(file + ": not a textual-inversion embedding (the pickle holds no dict)");
        }
        Object params = map.get("string_to_param");
        if (params instanceof Map<?, ?> p && p.get("_parameters") instanceof Map<?, ?> inner) {
            params = inner;
        }
        Map<?, ?> candidates = params instanceof Map<?, ?> p ? p : map;
        if (map.get("emb_params") instanceof TensorRef t) {
            return t;
        }
        List<TensorRef> tensors = new ArrayList<>();
        candidates.values().forEach(v -> {
            if (v instanceof TensorRef t) {
                tensors.add(t);
            }
        });
        if (tensors.size() != 1) {
            throw new IOException(file + ": not a textual-inversion embedding: expected string_to_param, emb_params or"
                    + " one tensor, found " + tensors.size() + " tensors");
        }
        return tensors.get(0);
    }

    private static String single(Path file, List<String> names) throws IOException {
        if (names.size() != 1) {
            throw new IOException(file + ": not a textual-inversion embedding: expected emb_params or one tensor, found "
                    + names.size() + " tensors " + names.subList(0, Math.min(5, names.size())));
        }
        return names.get(0);
    }

    private static TextualInversion of(String name, Path file, long[] shape, float[] values, String hash)
            throws IOException {
        return new TextualInversion(name, file, vectors(file, "", shape), Map.of(TextualInversion.ANY_ENCODER, values),
                hash);
    }

    /** An SDXL embedding: {@code clip_l} and {@code clip_g}, the same number of vectors each. */
    private static TextualInversion sdxl(String name, Path file, SafeTensors st, String hash) throws IOException {
        if (!st.names().equals(Set.of(TextualInversion.CLIP_L, TextualInversion.CLIP_G))) {
            throw new IOException(file + ": an SDXL embedding holds exactly the tensors clip_l and clip_g, found "
                    + st.names().stream().sorted().toList());
        }
        int vectorsL = vectors(file, TextualInversion.CLIP_L, st.info(TextualInversion.CLIP_L).shape());
        int vectorsG = vectors(file, TextualInversion.CLIP_G, st.info(TextualInversion.CLIP_G).shape());
        if (vectorsL != vectorsG) {
            throw new IOException(file + ": clip_l has " + vectorsL + " vectors but clip_g " + vectorsG);
        }
        return new TextualInversion(name, file, vectorsG, Map.of(TextualInversion.CLIP_L,
                st.floats(TextualInversion.CLIP_L), TextualInversion.CLIP_G, st.floats(TextualInversion.CLIP_G)), hash);
    }

    /** The vector count of an embedding tensor of shape (vectors, width) or (width). */
    private static int vectors(Path file, String key, long[] shape) throws IOException {
        if (shape.length == 1 && shape[0] >= 1) {
            return 1;
        }
        if (shape.length == 2 && shape[0] >= 1 && shape[1] >= 1) {
            return (int) shape[0];
        }
        throw new IOException(file + ": embedding tensor " + (key.isEmpty() ? "" : key + " ") + "of shape "
                + Arrays.toString(shape) + ", expected (vectors, width) or (width)");
    }

    private static String extension(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return EXTENSIONS.stream().filter(n::endsWith).findFirst().orElse(null);
    }

    /** The first 12 hex digits of the file's SHA-256, as A1111 shows embeddings and checkpoints. */
    static String shortHash(Path file) throws IOException {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest()).substring(0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof TextualInversions t) || t.byName.size() != byName.size()) {
            return false;
        }
        for (Map.Entry<String, TextualInversion> e : byName.entrySet()) {
            TextualInversion other = t.byName.get(e.getKey());
            if (other == null || !other.shortHash().equals(e.getValue().shortHash())) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int h = 0;
        for (Map.Entry<String, TextualInversion> e : byName.entrySet()) {
            h += e.getKey().hashCode() ^ e.getValue().shortHash().hashCode();
        }
        return h;
    }

    @Override
    public String toString() {
        return "TextualInversions" + byName.keySet();
    }
}
