package dev.diffusion4j.pipelines;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.diffusion4j.random.TorchGenerator;
import dev.diffusion4j.tensor.Engines;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class GuidanceRescaleTest {

    @BeforeAll
    static void engine() {
        Engines.start(0);
    }

    @Test
    void matchesLinEtAlEquations15And16PerImage() {
        Shape shape = new Shape(2, 4, 3, 3);
        try (NDManager m = NDManager.newBaseManager()) {
            TorchGenerator g = new TorchGenerator(5);
            NDArray cond = g.randn(m, shape);
            NDArray guided = g.randn(m, shape).mul(3f).add(0.5f);
            float[] got = DiffusionPipeline.rescaleGuidance(guided, cond, 0.7f).toFloatArray();
            float[] c = cond.toFloatArray();
            float[] x = guided.toFloatArray();
            int per = 36;
            float[] want = new float[x.length];
            for (int b = 0; b < 2; b++) {
                double ratio = std(c, b * per, per) / std(x, b * per, per);
                for (int i = b * per; i < (b + 1) * per; i++) {
                    want[i] = (float) (0.7 * x[i] * ratio + 0.3 * x[i]);
                }
            }
            assertArrayEquals(want, got, 1e-5f);
            // φ = 1 gives the conditional prediction's spread exactly
            float[] full = DiffusionPipeline.rescaleGuidance(guided, cond, 1f).toFloatArray();
            assertEquals(std(c, 0, per), std(full, 0, per), 1e-5);
        }
    }

    /** torch.std: Bessel-corrected, in double. */
    private static double std(float[] a, int from, int n) {
        double mean = 0;
        for (int i = from; i < from + n; i++) mean += a[i];
        mean /= n;
        double ss = 0;
        for (int i = from; i < from + n; i++) ss += (a[i] - mean) * (a[i] - mean);
        return Math.sqrt(ss / (n - 1));
    }

    @Test
    void rescaleOutsideZeroToOneIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GenerationRequest.builder("x").guidanceRescale(1.5).build());
        assertEquals("guidance rescale must be in [0, 1], got 1.5", e.getMessage());
    }
}
