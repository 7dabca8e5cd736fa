package dev.diffusion4j.random;

import dev.diffusion4j.numerics.AvxMathFun;
import dev.diffusion4j.numerics.GlibcFloatMath;
import dev.diffusion4j.numerics.GlibcLog;
import dev.diffusion4j.numerics.GlibcSinCos;

/**
 * The 16-wide Box–Muller transforms of torch's CPU {@code normal_fill} (aten/src/ATen/native/cpu/DistributionTemplates.h,
 * torch 1.13). Each takes 16 uniforms in [0, 1) at {@code off}: the first 8 are u1, the next 8 u2, and writes
 * {@code r·cos θ} over the first half and {@code r·sin θ} over the second, with r = √(−2 ln(1 − u1)) and θ = 2π·u2
 * (Box &amp; Muller 1958). Mean 0 and std 1 are applied as torch does ({@code n·std + mean}), which turns −0 into +0.
 */
final class NormalKernels {

    /** {@code _mm256_set1_ps(2.0f * c10::pi<double>)}: 2π rounded to float. */
    private static final float TWO_PI_FLOAT = (float) (2.0 * Math.PI);

    private NormalKernels() {}

    /** normal_fill_16_AVX2: float32 throughout, log and sincos from avx_mathfun, the final scale by FMA. */
    static void fill16Avx2(float[] data, int off) {
        float[] sinCos = new float[2];
        for (int j = 0; j < 8; j++) {
            float u1 = 1f - data[off + j];
            float u2 = data[off + j + 8];
            float radius = (float) Math.sqrt(-2f * AvxMathFun.log(u1));
            float theta = TWO_PI_FLOAT * u2;
            AvxMathFun.sincos(theta, sinCos);
            data[off + j] = Math.fma(radius * sinCos[1], 1f, 0f);
            data[off + j + 8] = Math.fma(radius * sinCos[0], 1f, 0f);
        }
    }

    /**
     * normal_fill_16&lt;float&gt;: float32 with glibc's logf/cosf/sinf; the angle is formed in double
     * ({@code 2.0f * c10::pi<double> * u2}) and then narrowed to float.
     */
    static void fill16Scalar(float[] data, int off) {
        for (int j = 0; j < 8; j++) {
            float u1 = 1f - data[off + j];
            float u2 = data[off + j + 8];
            float radius = (float) Math.sqrt(-2f * GlibcFloatMath.logf(u1));
            float theta = (float) (2.0 * Math.PI * u2);
            data[off + j] = radius * GlibcFloatMath.cosf(theta) * 1f + 0f;
            data[off + j + 8] = radius * GlibcFloatMath.sinf(theta) * 1f + 0f;
        }
    }

    /** normal_fill_16&lt;double&gt;: the same transform in double with glibc's log/cos/sin. */
    static void fill16(double[] data, int off) {
        for (int j = 0; j < 8; j++) {
            double u1 = 1.0 - data[off + j];
            double u2 = data[off + j + 8];
            double radius = Math.sqrt(-2.0 * GlibcLog.log(u1));
            double theta = 2.0 * Math.PI * u2;
            data[off + j] = radius * GlibcSinCos.cos(theta) * 1.0 + 0.0;
            data[off + j + 8] = radius * GlibcSinCos.sin(theta) * 1.0 + 0.0;
        }
    }
}
