package dev.diffusion4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.diffusion4j.tensor.Engines;
import dev.diffusion4j.vae.AutoencoderKL;
import dev.diffusion4j.vae.DiagonalGaussianDistribution;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LatentCacheTest {

    @Test
    void entriesAreTheEncodersPosteriorAndWrapAround() {
        Engines.start(0);
        TrainingData data = VaeTrainerTest.boxes(3);
        List<Integer> progress = new ArrayList<>();
        try (AutoencoderKL vae = AutoencoderKL.random(VaeTrainerTest.tiny(), DataType.FLOAT32, 4);
             NDManager m = NDManager.newBaseManager()) {
            LatentCache cache = LatentCache.build(vae, data, 16, 5, 2, progress::add);
            assertEquals(5, cache.size());
            assertEquals(List.of(2, 4, 5), progress);
            // run examples 3..7 are cached entries 3, 4, 0, 1, 2
            LatentCache.Entries e = cache.load(m, 3, 5);
            assertEquals(new Shape(5, 4, 8, 8), e.posterior().mean().getShape());
            DiagonalGaussianDistribution direct = vae.encode(Batch.load(m, data, 0, 5, 16).images());
            float[] mean = direct.mean().toFloatArray();
            float[] std = direct.std().toFloatArray();
            int per = 4 * 8 * 8;
            int[] order = {3, 4, 0, 1, 2};
            float[] gotMean = e.posterior().mean().toFloatArray();
            float[] gotStd = e.posterior().std().toFloatArray();
            for (int i = 0; i < 5; i++) {
                int k = order[i];
                assertArrayEquals(slice(mean, k, per), slice(gotMean, i, per), 1e-5f, "mean of entry " + k);
                assertArrayEquals(slice(std, k, per), slice(gotStd, i, per), 1e-5f, "std of entry " + k);
            }
            assertEquals(5, e.captions().size());
        }
    }

    @Test
    void savedBesideTheCheckpointAndReusedOnlyForTheSameDataAndWeights(@TempDir Path dir) throws Exception {
        Engines.start(0);
        Path file = dir.resolve(DiffusionTrainer.LATENT_CACHE_FILE);
        List<String> log = new ArrayList<>();
        List<Integer> progress = new ArrayList<>();
        try (AutoencoderKL vae = AutoencoderKL.random(VaeTrainerTest.tiny(), DataType.FLOAT32, 4);
             AutoencoderKL other = AutoencoderKL.random(VaeTrainerTest.tiny(), DataType.FLOAT32, 5);
             NDManager m = NDManager.newBaseManager()) {
            LatentCache built = LatentCache.loadOrBuild(file, vae, VaeTrainerTest.boxes(3), 16, 5, 2, progress::add,
                    log::add);
            assertEquals(List.of(2, 4, 5), progress);
            assertTrue(Files.exists(file));
            LatentCache loaded = LatentCache.loadOrBuild(file, vae, VaeTrainerTest.boxes(3), 16, 5, 2, progress::add,
                    log::add);
            assertEquals(List.of(2, 4, 5), progress, "a matching file is not encoded again");
            assertTrue(log.get(log.size() - 1).startsWith("latent cache: loaded 5 examples"), log.toString());
            LatentCache.Entries a = built.load(m, 0, 5);
            LatentCache.Entries b = loaded.load(m, 0, 5);
            assertArrayEquals(a.posterior().mean().toFloatArray(), b.posterior().mean().toFloatArray());
            assertArrayEquals(a.posterior().std().toFloatArray(), b.posterior().std().toFloatArray());
            assertEquals(a.captions(), b.captions());

            LatentCache.loadOrBuild(file, other, VaeTrainerTest.boxes(3), 16, 5, 2, progress::add, log::add);
            assertEquals(6, progress.size(), "other VAE weights: encoded again");
            assertTrue(log.get(log.size() - 1).contains("other data or weights"), log.toString());
            LatentCache.loadOrBuild(file, other, VaeTrainerTest.boxes(3), 16, 4, 2, progress::add, log::add);
            assertEquals(8, progress.size(), "another count: encoded again");

            Files.write(file, new byte[] {1, 2, 3});
            LatentCache.loadOrBuild(file, other, VaeTrainerTest.boxes(3), 16, 4, 2, progress::add, log::add);
            assertEquals(10, progress.size(), "a damaged file: encoded again");
            assertTrue(log.stream().anyMatch(l -> l.startsWith("latent cache: cannot read")), log.toString());
        }
    }

    private static float[] slice(float[] a, int index, int per) {
        float[] out = new float[per];
        System.arraycopy(a, index * per, out, 0, per);
        return out;
    }
}
