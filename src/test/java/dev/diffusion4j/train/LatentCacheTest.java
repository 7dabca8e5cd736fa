package dev.diffusion4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.diffusion4j.tensor.Engines;
import dev.diffusion4j.vae.AutoencoderKL;
import dev.diffusion4j.vae.DiagonalGaussianDistribution;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

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

    private static float[] slice(float[] a, int index, int per) {
        float[] out = new float[per];
        System.arraycopy(a, index * per, out, 0, per);
        return out;
    }
}
