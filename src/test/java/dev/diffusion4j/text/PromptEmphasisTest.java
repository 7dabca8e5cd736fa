package dev.diffusion4j.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** {@link Emphasis#applyMultipliers}, A1111's "Original" emphasis, on values small enough to follow by hand. */
class PromptEmphasisTest {

    @Test
    void weightsThenRestoresTheMean() {
        // z = [[1, 2], [3, 4]], m = [1, 2]: z*m = [1, 2, 6, 8], means 2.5 and 4.25, ratio 2.5 / 4.25
        float[] out = Emphasis.applyMultipliers(new float[] {1, 2, 3, 4}, new double[] {1, 2}, 2);
        float ratio = 2.5f / 4.25f;
        assertArrayEquals(new float[] {1 * ratio, 2 * ratio, 6 * ratio, 8 * ratio}, out);
        assertEquals(2.5, (out[0] + out[1] + out[2] + out[3]) / 4.0, 1e-6);
    }

    @Test
    void unitWeightsChangeNothing() {
        float[] z = {0.25f, -1.5f, 3.75f, 0.1f, 7f, -2f};
        assertArrayEquals(z, Emphasis.applyMultipliers(z, new double[] {1, 1, 1}, 2));
    }

    @Test
    void multipliersAreRoundedToFloatFirst() {
        // A1111 turns the multipliers into a float32 tensor before multiplying
        float[] out = Emphasis.applyMultipliers(new float[] {1, 1}, new double[] {1.2100000000000002, 1}, 1);
        float m = (float) 1.2100000000000002;
        float ratio = 1f / (float) ((m + 1.0) / 2);
        assertArrayEquals(new float[] {m * ratio, ratio}, out);
    }

    @Test
    void shapeMismatchIsRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> Emphasis.applyMultipliers(new float[5], new double[] {1, 1}, 2));
    }
}
