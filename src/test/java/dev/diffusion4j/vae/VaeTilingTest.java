package dev.diffusion4j.vae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.diffusion4j.tensor.Engines;
import dev.diffusion4j.tensor.Ops;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class VaeTilingTest {

    /** A tiny VAE: 2 levels (scale factor 2), 64-pixel tiles = 32 latent cells. */
    private static final AutoencoderKLConfig TINY = new AutoencoderKLConfig(3, 3, 4, new int[] {32, 64}, 1, 32,
            0.18215f, 64);

    @BeforeAll
    static void engine() {
        Engines.start(0);
    }

    /**
     * The tiling geometry against a per-pixel "decoder" (nearest 2× upsampling): every tile then agrees with its
     * neighbours on the overlap, so blending must give back the untiled result wherever the tiles fall, including
     * sizes that leave a partial last tile.
     */
    @Test
    void aPointwiseDecoderIsReproducedExactlyAcrossTiles() {
        for (int[] hw : new int[][] {{32, 32}, {48, 80}, {96, 96}, {70, 33}}) {
            try (NDManager m = NDManager.newBaseManager(); NDScope s = new NDScope()) {
                m.getEngine().setRandomSeed(1);
                NDArray z = m.randomNormal(new Shape(1, 4, hw[0], hw[1]));
                NDArray tiled = VaeTiling.decode(TINY, z, Ops::upsampleNearest2x);
                NDArray whole = Ops.upsampleNearest2x(z);
                assertEquals(whole.getShape(), tiled.getShape(), "shape at " + hw[0] + "x" + hw[1]);
                float[] a = whole.toFloatArray();
                float[] b = tiled.toFloatArray();
                for (int i = 0; i < a.length; i++) {
                    assertEquals(a[i], b[i], 1e-6f * Math.max(1, Math.abs(a[i])), "element " + i + " at " + hw[0] + "x"
                            + hw[1]);
                }
            }
        }
    }

    @Test
    void encodeGeometryTooWithADownsamplingEncoder() {
        try (NDManager m = NDManager.newBaseManager(); NDScope s = new NDScope()) {
            m.getEngine().setRandomSeed(2);
            NDArray x = m.randomNormal(new Shape(1, 8, 160, 136));
            // a pointwise "encoder" with the VAE's factor: every second pixel
            NDArray tiled = VaeTiling.encode(TINY, x, t -> t.get(":, :, ::2, ::2"));
            NDArray whole = x.get(":, :, ::2, ::2");
            assertEquals(whole.getShape(), tiled.getShape());
            assertArrayEquals(whole.toFloatArray(), tiled.toFloatArray(), 1e-5f);
        }
    }

    /**
     * With a real (random-weight) VAE, tiles normalise separately, so tiled differs from untiled; one tile or less is
     * never tiled, and the tiled image stays close (measured bound with a margin).
     */
    @Test
    void realVaeTiledStaysCloseAndSmallImagesAreUntouched() {
        try (AutoencoderKL vae = AutoencoderKL.random(TINY, DataType.FLOAT32, 5);
             NDManager m = NDManager.newBaseManager(); NDScope s = new NDScope()) {
            m.getEngine().setRandomSeed(3);
            NDArray small = m.randomNormal(new Shape(1, 4, 32, 32));
            assertArrayEquals(vae.decode(small).toFloatArray(), vae.decode(small, VaeTiling.ON).toFloatArray());
            NDArray z = m.randomNormal(new Shape(1, 4, 80, 80));
            float[] whole = vae.decode(z, VaeTiling.OFF).toFloatArray();
            float[] tiled = vae.decode(z, VaeTiling.ON).toFloatArray();
            double max = 0;
            double se = 0;
            double range = 0;
            for (int i = 0; i < whole.length; i++) {
                double d = Math.abs(whole[i] - tiled[i]);
                max = Math.max(max, d);
                se += d * d;
                range = Math.max(range, Math.abs(whole[i]));
            }
            double rms = Math.sqrt(se / whole.length);
            System.out.printf("tiled vs untiled tiny VAE 160x160: rms %.4g, max %.4g, output range ±%.3g%n", rms, max,
                    range);
            assertTrue(rms > 0, "tiles normalise separately, so tiling must change something");
            assertTrue(rms < 0.1 && max < 1.0, "rms " + rms + ", max " + max);
        }
    }

    @Test
    void autoTilesAboveThePixelBudgetOnly() {
        assertFalse(VaeTiling.AUTO.applies(768, 768));
        assertTrue(VaeTiling.AUTO.applies(1024, 1024));
        assertTrue(VaeTiling.ON.applies(64, 64));
        assertFalse(VaeTiling.OFF.applies(4096, 4096));
    }
}
