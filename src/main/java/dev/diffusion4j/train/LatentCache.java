package dev.diffusion4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.diffusion4j.tensor.Tensors;
import dev.diffusion4j.vae.AutoencoderKL;
import dev.diffusion4j.vae.DiagonalGaussianDistribution;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * The frozen VAE's posterior (mean and std) for the first {@code count} examples, computed once. Training then draws
 * a fresh posterior sample per visit without rendering or encoding again — the encoder was about a sixth of a
 * diffusion training step. Example {@code i} of the run maps to cached entry {@code i mod count}.
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
