package dev.diffusion4j.random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.DoubleSummaryStatistics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Distribution properties and the stream semantics (cache, redraws, seeds) that the goldens only sample. */
class TorchGeneratorPropertiesTest {

    @ParameterizedTest
    @EnumSource(TorchGenerator.Kernel.class)
    void randnIsStandardNormal(TorchGenerator.Kernel kernel) {
        float[] v = new TorchGenerator(7, kernel).randn(100_000);
        double[] m = moments(toDoubles(v));
        assertEquals(0, m[0], 0.02, "mean");
        assertEquals(1, m[1], 0.02, "std");
        assertTrue(Arrays.stream(toDoubles(v)).allMatch(Double::isFinite));
    }

    @Test
    void randnDoubleIsStandardNormal() {
        double[] m = moments(new TorchGenerator(7).randnDouble(100_000));
        assertEquals(0, m[0], 0.02, "mean");
        assertEquals(1, m[1], 0.02, "std");
    }

    @Test
    void randIsUniformInUnitInterval() {
        float[] f = new TorchGenerator(3).rand(100_000);
        double[] d = new TorchGenerator(3).randDouble(100_000);
        DoubleSummaryStatistics fs = Arrays.stream(toDoubles(f)).summaryStatistics();
        DoubleSummaryStatistics ds = Arrays.stream(d).summaryStatistics();
        assertTrue(fs.getMin() >= 0 && fs.getMax() < 1, fs::toString);
        assertTrue(ds.getMin() >= 0 && ds.getMax() < 1, ds::toString);
        assertEquals(0.5, moments(toDoubles(f))[0], 0.005);
        assertEquals(0.5, moments(d)[0], 0.005);
    }

    @Test
    void cachedSecondNormalSurvivesOtherCalls() {
        float[] fresh = new TorchGenerator(11).randn(4);
        TorchGenerator g = new TorchGenerator(11);
        float[] first = g.randn(3);
        g.rand(5);
        g.randn(40);
        float[] next = g.randn(1);
        assertArrayEquals(Arrays.copyOf(fresh, 3), first);
        assertEquals(fresh[3], next[0], "the cached r·sin θ of the second pair");
    }

    @Test
    void partialLastBlockDrawsSixteenMoreUniforms() {
        float[] uniforms = new TorchGenerator(5).rand(17 + 16 + 1);
        TorchGenerator g = new TorchGenerator(5);
        g.randn(17);
        assertEquals(uniforms[33], g.rand(1)[0]);
    }

    @Test
    void seedIsTruncatedToItsLow32Bits() {
        assertArrayEquals(new TorchGenerator(0xffffffffL).rand(8), new TorchGenerator(-1L).rand(8));
        assertArrayEquals(new TorchGenerator(5).randn(20), new TorchGenerator((1L << 32) + 5).randn(20));
    }

    @Test
    void kernelsAgreeExceptInTheLastBits() {
        float[] avx = new TorchGenerator(42, TorchGenerator.Kernel.AVX2).randn(2, 4, 128, 128);
        float[] scalar = new TorchGenerator(42, TorchGenerator.Kernel.SCALAR).randn(2, 4, 128, 128);
        for (int i = 0; i < avx.length; i++) {
            assertEquals(scalar[i], avx[i], 1e-5f * Math.max(1f, Math.abs(scalar[i])), "element " + i);
        }
        assertArrayEquals(new TorchGenerator(42, TorchGenerator.Kernel.SCALAR).randn(15),
                new TorchGenerator(42, TorchGenerator.Kernel.AVX2).randn(15), "below 16 both use the double path");
    }

    @Test
    void emptyAndInvalidShapes() {
        assertEquals(0, new TorchGenerator(0).randn(0, 4).length);
        assertEquals(1, new TorchGenerator(0).randn().length, "a 0-d tensor has one element");
        assertThrows(IllegalArgumentException.class, () -> new TorchGenerator(0).randn(-1));
        assertThrows(IllegalArgumentException.class, () -> new TorchGenerator(0).rand(1 << 16, 1 << 16));
    }

    @Test
    void ndArrayHoldsTheSameValues() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Shape shape = new Shape(1, 4, 8, 8);
            NDArray a = new TorchGenerator(9).randn(manager, shape);
            assertEquals(shape, a.getShape());
            assertEquals(DataType.FLOAT32, a.getDataType());
            assertArrayEquals(new TorchGenerator(9).randn(1, 4, 8, 8), a.toFloatArray());
        }
    }

    private static double[] moments(double[] v) {
        double mean = Arrays.stream(v).average().orElseThrow();
        double var = Arrays.stream(v).map(x -> (x - mean) * (x - mean)).sum() / v.length;
        return new double[] {mean, Math.sqrt(var)};
    }

    private static double[] toDoubles(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }
}
