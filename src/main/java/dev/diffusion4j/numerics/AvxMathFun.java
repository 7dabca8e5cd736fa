package dev.diffusion4j.numerics;

/**
 * One lane of {@code log256_ps} and {@code sincos256_ps} from ATen's {@code avx_mathfun.h} (Garberoglio's AVX port of
 * Pommier's sse_mathfun, itself the Cephes single-precision log/sin/cos), as GCC compiled it into torch's AVX2 kernels.
 *
 * <p>Bit-exactness rests on two facts. Every step is a binary32 operation, so plain Java float arithmetic reproduces
 * it. And GCC, building with {@code -mavx2 -mfma} and its default {@code -ffp-contract=fast}, fuses a multiply whose
 * only use is an add or subtract into one FMA even when both are written as separate intrinsics; each such pair is a
 * {@link Math#fma(float, float, float)} here, the others stay two roundings. The fused pairs were read off GCC 12's
 * output for this code (the compiler of the reference torch build); both functions agree with that build bit for bit
 * on all 2^24 arguments the normal kernel can form, and the kernel with torch's goldens.
 *
 * <p>Constants are written as C does: a double literal narrowed to float.
 */
public final class AvxMathFun {

    private static final float MIN_NORM_POS = Float.intBitsToFloat(0x00800000);
    private static final int INV_MANT_MASK = ~0x7f800000;
    private static final int HALF_BITS = Float.floatToRawIntBits(0.5f);
    private static final int ALL_ONES = -1;

    private static final float SQRTHF = (float) 0.707106781186547524;
    private static final float LOG_P0 = (float) 7.0376836292E-2;
    private static final float LOG_P1 = (float) -1.1514610310E-1;
    private static final float LOG_P2 = (float) 1.1676998740E-1;
    private static final float LOG_P3 = (float) -1.2420140846E-1;
    private static final float LOG_P4 = (float) 1.4249322787E-1;
    private static final float LOG_P5 = (float) -1.6668057665E-1;
    private static final float LOG_P6 = (float) 2.0000714765E-1;
    private static final float LOG_P7 = (float) -2.4999993993E-1;
    private static final float LOG_P8 = (float) 3.3333331174E-1;
    private static final float LOG_Q1 = (float) -2.12194440e-4;
    private static final float LOG_Q2 = (float) 0.693359375;

    private static final float MINUS_DP1 = (float) -0.78515625;
    private static final float MINUS_DP2 = (float) -2.4187564849853515625e-4;
    private static final float MINUS_DP3 = (float) -3.77489497744594108e-8;
    private static final float SINCOF_P0 = (float) -1.9515295891E-4;
    private static final float SINCOF_P1 = (float) 8.3321608736E-3;
    private static final float SINCOF_P2 = (float) -1.6666654611E-1;
    private static final float COSCOF_P0 = (float) 2.443315711809948E-005;
    private static final float COSCOF_P1 = (float) -1.388731625493765E-003;
    private static final float COSCOF_P2 = (float) 4.166664568298827E-002;
    private static final float FOPI = (float) 1.27323954473516;

    private AvxMathFun() {}

    /**
     * Natural log: x = 2^e · m with m in [√½, √2), then log(m) by the Cephes degree-9 polynomial in m − 1 and
     * e·ln 2 added in two parts (q2 + q1 = ln 2). Non-positive input gives NaN, as the kernel's invalid mask does.
     */
    public static float log(float input) {
        boolean invalid = input <= 0f;
        float x = Math.max(input, MIN_NORM_POS);
        int bits = Float.floatToRawIntBits(x);
        float e = (float) ((bits >>> 23) - 0x7f) + 1f;
        x = Float.intBitsToFloat((bits & INV_MANT_MASK) | HALF_BITS);
        boolean belowSqrtHalf = x < SQRTHF;
        float tmp = belowSqrtHalf ? x : 0f;
        x = x - 1f;
        e = e - (belowSqrtHalf ? 1f : 0f);
        x = x + tmp;

        float z = x * x;
        float y = Math.fma(LOG_P0, x, LOG_P1);
        y = Math.fma(y, x, LOG_P2);
        y = Math.fma(y, x, LOG_P3);
        y = Math.fma(y, x, LOG_P4);
        y = Math.fma(y, x, LOG_P5);
        y = Math.fma(y, x, LOG_P6);
        y = Math.fma(y, x, LOG_P7);
        y = Math.fma(y, x, LOG_P8);
        y = y * x;
        // (y·z) + e·q1: GCC fused the first product and kept e·q1 as a rounded addend.
        y = Math.fma(y, z, e * LOG_Q1);
        y = Math.fma(-z, 0.5f, y);
        x = x + y;
        x = Math.fma(e, LOG_Q2, x);
        return invalid ? Float.intBitsToFloat(Float.floatToRawIntBits(x) | ALL_ONES) : x;
    }

    /**
     * Sine and cosine at once: octant j from x·4/π, Cody–Waite reduction by π/4 in three parts, then the Cephes sine
     * and cosine polynomials on [−π/4, π/4], each selected per octant. Results go to {@code out[0]} (sin) and
     * {@code out[1]} (cos). Accurate for |x| up to about 8192, as the original.
     */
    public static void sincos(float input, float[] out) {
        int inputBits = Float.floatToRawIntBits(input);
        int signSin = inputBits & 0x80000000;
        float x = Float.intBitsToFloat(inputBits & 0x7fffffff);

        int j = cvttps(x * FOPI);
        j = (j + 1) & ~1;
        float y = (float) j;
        int swapSignSin = (j & 4) << 29;
        boolean sinPolyForSin = (j & 2) == 0;

        x = Math.fma(y, MINUS_DP1, x);
        x = Math.fma(y, MINUS_DP2, x);
        x = Math.fma(y, MINUS_DP3, x);

        int signCos = (~(j - 2) & 4) << 29;
        signSin ^= swapSignSin;

        float z = x * x;
        float cos = Math.fma(COSCOF_P0, z, COSCOF_P1);
        cos = Math.fma(cos, z, COSCOF_P2);
        cos = cos * z;
        cos = Math.fma(cos, z, -(z * 0.5f));
        cos = cos + 1f;

        float sin = Math.fma(SINCOF_P0, z, SINCOF_P1);
        sin = Math.fma(sin, z, SINCOF_P2);
        sin = sin * z;
        sin = Math.fma(sin, x, x);

        // Blend by masks with and/andnot and add the zero the other lane contributes, as the kernel does.
        float sinPart = sinPolyForSin ? sin : 0f;
        float cosPart = sinPolyForSin ? 0f : cos;
        sin = sin - sinPart;
        cos = cos - cosPart;
        float sinResult = cosPart + sinPart;
        float cosResult = cos + sin;
        out[0] = Float.intBitsToFloat(Float.floatToRawIntBits(sinResult) ^ signSin);
        out[1] = Float.intBitsToFloat(Float.floatToRawIntBits(cosResult) ^ signCos);
    }

    /** {@code cvttps2dq}: truncation, with 0x80000000 ("integer indefinite") for NaN and out-of-range values. */
    private static int cvttps(float v) {
        return v > -2147483648f && v < 2147483648f ? (int) v : Integer.MIN_VALUE;
    }
}
