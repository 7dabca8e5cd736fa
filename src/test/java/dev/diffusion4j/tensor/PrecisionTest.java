package dev.diffusion4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class PrecisionTest {

    @BeforeAll
    static void engine() {
        Engines.start(1);
    }

    /** Round to nearest even on the upper 16 bits: what torch's float → bfloat16 conversion does. */
    private static float bf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        int rounded = bits + 0x7FFF + ((bits >>> 16) & 1);
        return Float.intBitsToFloat(rounded & 0xFFFF0000);
    }

    @Test
    void castRoundsToNearestEvenAndBack() {
        float[] values = {1f, 1.00390625f, 1.01171875f, -3.14159f, 65504f, 1e-20f, 0f, 123.456f};
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = Tensors.of(m, values);
            NDArray b = Precision.cast(x, DataType.BFLOAT16);
            assertEquals(DataType.BFLOAT16, Precision.dtypeOf(b));
            float[] back = Precision.float32(b).toFloatArray();
            float[] expected = new float[values.length];
            for (int i = 0; i < values.length; i++) {
                expected[i] = bf16(values[i]);
            }
            assertArrayEquals(expected, back);
            assertSame(x, Precision.cast(x, DataType.FLOAT32));
            assertSame(b, Precision.cast(b, DataType.BFLOAT16));
        }
    }

    @Test
    void zerosOnesAndSoftmaxInBf16() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray ones = Precision.ones(m, new Shape(3, 4), DataType.BFLOAT16);
            assertEquals(DataType.BFLOAT16, Precision.dtypeOf(ones));
            assertEquals(12f, Precision.float32(ones).sum().getFloat(), 0f);
            NDArray zeros = Precision.zeros(m, new Shape(2), DataType.BFLOAT16);
            assertEquals(0f, Precision.float32(zeros).abs().sum().getFloat(), 0f);

            NDArray logits = Tensors.of(m, new float[] {1f, 2f, 3f, -1f, 0f, 0f}, new Shape(2, 3));
            NDArray p16 = Ops.softmaxLast(Precision.cast(logits, DataType.BFLOAT16));
            assertEquals(DataType.BFLOAT16, Precision.dtypeOf(p16));
            float[] p = Precision.float32(p16).toFloatArray();
            float[] ref = Ops.softmaxLast(logits).toFloatArray();
            for (int i = 0; i < p.length; i++) {
                assertEquals(ref[i], p[i], 4e-3f, "softmax element " + i);
            }
        }
    }

    @Test
    void groupNormOfBf16MatchesFloat32() {
        try (NDManager m = NDManager.newBaseManager()) {
            m.getEngine().setRandomSeed(3);
            NDArray x = m.randomNormal(new Shape(2, 8, 5, 5)).mul(3f).add(1f);
            NDArray g = m.randomNormal(new Shape(8));
            NDArray b = m.randomNormal(new Shape(8));
            float[] ref = Ops.groupNorm(x, 4, g, b, 1e-5f).toFloatArray();
            NDArray y = Ops.groupNorm(Precision.cast(x, DataType.BFLOAT16), 4, Precision.cast(g, DataType.BFLOAT16),
                    Precision.cast(b, DataType.BFLOAT16), 1e-5f);
            assertEquals(DataType.BFLOAT16, Precision.dtypeOf(y));
            float[] got = Precision.float32(y).toFloatArray();
            for (int i = 0; i < got.length; i++) {
                assertEquals(ref[i], got[i], 0.05f + 0.01f * Math.abs(ref[i]), "element " + i);
            }
        }
    }

    @Test
    void channelsLastKeepsShapeAndValues() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.arange(0f, 2 * 3 * 4 * 5f).reshape(2, 3, 4, 5);
            NDArray cl = Precision.channelsLast(x);
            assertEquals(x.getShape(), cl.getShape());
            assertArrayEquals(x.toFloatArray(), cl.toFloatArray());
        }
    }

    @Test
    void parseNamesTheBadValue() {
        assertEquals(DataType.FLOAT32, Precision.parse("fp32"));
        assertEquals(DataType.BFLOAT16, Precision.parse("BF16"));
        DataType auto = Precision.parse("auto");
        assertEquals(Precision.nativeBf16() ? DataType.BFLOAT16 : DataType.FLOAT32, auto);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Precision.parse("fp16"));
        assertEquals("--dtype must be fp32, bf16 or auto, got 'fp16'", e.getMessage());
    }
}
