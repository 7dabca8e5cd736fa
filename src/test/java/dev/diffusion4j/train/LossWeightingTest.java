package dev.diffusion4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LossWeightingTest {

    // SNR = ᾱ/(1−ᾱ): 9999, 9, 1, 1/99
    private static final float[] ALPHAS_CUMPROD = {0.9999f, 0.9f, 0.5f, 0.01f};
    private static final float[] T = {0, 1, 2, 3};

    @Test
    void minSnrCapsTheSignalToNoiseRatioAtGamma() {
        float[] w = new LossWeighting(5f, false).weights(ALPHAS_CUMPROD, T, false);
        assertArrayEquals(new float[] {5f / 9999f, 5f / 9f, 1f, 1f}, w, 1e-4f);
    }

    @Test
    void debiasedIsOneOverRootSnrWithTheSnrCappedAtAThousand() {
        float[] w = new LossWeighting(0f, true).weights(ALPHAS_CUMPROD, T, false);
        assertArrayEquals(new float[] {(float) (1 / Math.sqrt(1000)), 1f / 3f, 1f, (float) Math.sqrt(99)}, w, 1e-3f);
    }

    @Test
    void bothMultiply() {
        float[] w = new LossWeighting(5f, true).weights(ALPHAS_CUMPROD, T, false);
        float[] minSnr = new LossWeighting(5f, false).weights(ALPHAS_CUMPROD, T, false);
        float[] debiased = new LossWeighting(0f, true).weights(ALPHAS_CUMPROD, T, false);
        for (int i = 0; i < w.length; i++) assertEquals(minSnr[i] * debiased[i], w[i], 1e-5f * debiased[i]);
    }

    @Test
    void vPredictionDividesBySnrPlusOneAndStaysFiniteAtZeroSnr() {
        float[] ac = {0.9999f, 0.9f, 0.5f, 0f}; // SNR 9999, 9, 1, 0 (zero terminal SNR)
        float[] minSnr = new LossWeighting(5f, false).weights(ac, T, true);
        assertArrayEquals(new float[] {5f / 10000f, 5f / 10f, 1f / 2f, 0f}, minSnr, 1e-4f);
        float[] debiased = new LossWeighting(0f, true).weights(ac, T, true);
        assertArrayEquals(new float[] {1f / 1001f, 1f / 10f, 1f / 2f, 1f}, debiased, 1e-4f);
    }

    @Test
    void noneIsOnlyPlainMse() {
        assertTrue(LossWeighting.NONE.isNone());
        assertTrue(!new LossWeighting(0f, true).isNone() && !new LossWeighting(5f, false).isNone());
        assertThrows(IllegalArgumentException.class, () -> new LossWeighting(-1f, false));
    }
}
