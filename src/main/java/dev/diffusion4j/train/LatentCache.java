package dev.diffusion4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import com.google.gson.Gson;
import com.google.gson.JsonParseException;
import dev.diffusion4j.io.SafeTensors;
import dev.diffusion4j.nn.Parameter;
import dev.diffusion4j.tensor.Tensors;
import dev.diffusion4j.vae.AutoencoderKL;
import dev.diffusion4j.vae.DiagonalGaussianDistribution;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * The frozen VAE's posterior (mean and std) for the first {@code count} examples, computed once. Training then draws
 * a fresh posterior sample per visit without rendering or encoding again — the encoder was about a sixth of a
 * diffusion training step. Example {@code i} of the run maps to cached entry {@code i mod count}. Saved beside the
 * checkpoint ({@link #loadOrBuild}) so a resumed run does not encode again; the file records what it was built from
 * (data, resolution, count, a digest of the VAE weights) and is rebuilt when any of that differs.
 */
final class LatentCache {

    private final float[] mean;
    private final float[] std;
    private final String[] captions;
    private final Shape latentShape;
    private final int perExample;

    private LatentCache(float[] mean, float[] std, String[] captions, Shape latentShape) {
        this.mean = mean;
        this.std = std;
        this.captions = captions;
        this.latentShape = latentShape;
        this.perExample = Math.toIntExact(latentShape.size());
    }

    private static final String KEY = "d4j_latent_cache";

    /**
     * The cache saved in {@code file} when it was built from the same data, resolution, count and VAE weights;
     * otherwise encodes it ({@link #build}) and saves it there. A file that cannot be read or written costs only the
     * time to encode again: {@code log} says why, and training goes on.
     */
    static LatentCache loadOrBuild(Path file, AutoencoderKL vae, TrainingData data, int resolution, int count,
                                   int batch, IntConsumer progress, Consumer<String> log) {
        String key = "data=" + data.describe() + "; resolution=" + resolution + "; count=" + count + "; vae sha256="
                + digest(vae);
        if (Files.exists(file)) {
            try (SafeTensors st = SafeTensors.open(file, false)) {
                if (key.equals(st.metadata().get(KEY))) {
                    String[] captions = new Gson().fromJson(st.metadata().get("captions"), String[].class);
                    Shape shape = new Shape(st.info("mean").shape()).slice(1);
                    LatentCache c = new LatentCache(st.floats("mean"), st.floats("std"), captions, shape);
                    if (captions.length != count || c.mean.length != c.std.length
                            || c.mean.length != (long) count * c.perExample) {
                        throw new IOException("inconsistent sizes");
                    }
                    log.accept("latent cache: loaded " + count + " examples from " + file);
                    return c;
                }
                log.accept("latent cache: " + file + " was built from other data or weights; encoding again");
            } catch (IOException | UncheckedIOException | JsonParseException | IllegalArgumentException e) {
                log.accept("latent cache: cannot read " + file + " (" + e.getMessage() + "); encoding again");
            }
        }
        LatentCache c = build(vae, data, resolution, count, batch, progress);
        try (NDManager m = NDManager.newBaseManager()) {
            Shape full = new Shape(count).addAll(c.latentShape);
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            tensors.put("mean", Tensors.of(m, c.mean, full));
            tensors.put("std", Tensors.of(m, c.std, full));
            SafeTensors.write(file, tensors, Map.of(KEY, key, "captions", new Gson().toJson(c.captions)));
        } catch (IOException | UncheckedIOException e) {
            log.accept("latent cache: not saved to " + file + " (" + e.getMessage() + ")");
        }
        return c;
    }

    /** SHA-256 over the VAE's parameter names and float values, in its fixed parameter order. */
    static String digest(AutoencoderKL vae) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (Map.Entry<String, Parameter> e : vae.namedParameters().entrySet()) {
                md.update(e.getKey().getBytes(StandardCharsets.UTF_8));
                float[] v = e.getValue().array().toFloatArray();
                ByteBuffer b = ByteBuffer.allocate(v.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
                b.asFloatBuffer().put(v);
                md.update(b);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }

    /** Encodes examples {@code 0 .. count-1} in batches of {@code batch}; {@code progress} gets the number done. */
    static LatentCache build(AutoencoderKL vae, TrainingData data, int resolution, int count, int batch,
                             IntConsumer progress) {
        if (count < 1) {
            throw new IllegalArgumentException("latent cache size must be at least 1, got " + count);
        }
        float[] mean = null;
        float[] std = null;
        Shape shape = null;
        String[] captions = new String[count];
        try (NDManager m = NDManager.newBaseManager()) {
            for (int first = 0; first < count; first += batch) {
                int n = Math.min(batch, count - first);
                try (NDScope s = new NDScope()) {
                    Batch b = Batch.load(m, data, first, n, resolution);
                    DiagonalGaussianDistribution d = vae.encode(b.images());
                    if (shape == null) {
                        Shape full = d.mean().getShape();
                        shape = full.slice(1);
                        long total = shape.size() * count;
                        if (total > Integer.MAX_VALUE) {
                            throw new IllegalArgumentException("latent cache of " + count + " examples × " + shape
                                    + " exceeds 2^31 floats; use fewer examples");
                        }
                        mean = new float[(int) total];
                        std = new float[(int) total];
                    }
                    int per = Math.toIntExact(shape.size());
                    System.arraycopy(d.mean().toFloatArray(), 0, mean, first * per, n * per);
                    System.arraycopy(d.std().toFloatArray(), 0, std, first * per, n * per);
                    for (int i = 0; i < n; i++) {
                        captions[first + i] = b.captions().get(i);
                    }
                }
                progress.accept(Math.min(count, first + batch));
            }
        }
        return new LatentCache(mean, std, captions, shape);
    }

    int size() {
        return captions.length;
    }

    /** The posterior, (size, C, h, w), and captions of run examples {@code first .. first+size-1}. */
    Entries load(NDManager m, long first, int size) {
        float[] mu = new float[size * perExample];
        float[] sd = new float[size * perExample];
        List<String> caps = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            int k = (int) Math.floorMod(first + i, (long) captions.length);
            System.arraycopy(mean, k * perExample, mu, i * perExample, perExample);
            System.arraycopy(std, k * perExample, sd, i * perExample, perExample);
            caps.add(captions[k]);
        }
        Shape shape = new Shape(size).addAll(latentShape);
        NDArray s = Tensors.of(m, sd, shape);
        return new Entries(new DiagonalGaussianDistribution(Tensors.of(m, mu, shape), s.log().mul(2f), s), caps);
    }

    /** A batch from the cache: the encoder's posterior and the captions. */
    record Entries(DiagonalGaussianDistribution posterior, List<String> captions) {}
}
