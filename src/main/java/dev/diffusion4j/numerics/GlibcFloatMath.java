package dev.diffusion4j.numerics;

/**
 * glibc's single-precision {@code logf}, {@code sinf} and {@code cosf} (the implementations by Szabolcs Nagy and Wilco
 * Dijkstra in glibc 2.28 and later, sysdeps/ieee754/flt-32), which torch's non-vectorised normal kernel calls through
 * {@code std::log}/{@code std::cos}/{@code std::sin} on float. They are not correctly rounded (logf: 0.82 ulp,
 * sinf/cosf: 0.56 ulp), so rounding a double-precision result would differ now and then; these evaluate in double
 * exactly as glibc does. glibc's x86-64 build selects its FMA variants on CPUs with FMA (every AVX2 machine), where GCC
 * contracts each multiply-add: those are {@link Math#fma(double, double, double)} here.
 *
 * <p>Domain: what the normal kernel passes, i.e. logf of normal positive floats and sinf/cosf of |x| &lt; 120 (the
 * kernel's angles lie in [0, 2π)). Checked bit for bit against glibc 2.36 on every such argument the kernel can form.
 */
public final class GlibcFloatMath {

    /** logf table: 16 subintervals of [0x3f330000, 2·0x3f330000), each {1/c, log c} with c near its centre. */
    private static final double[] LOG_INVC = {
        0x1.661ec79f8f3bep+0, 0x1.571ed4aaf883dp+0, 0x1.49539f0f010bp+0, 0x1.3c995b0b80385p+0,
        0x1.30d190c8864a5p+0, 0x1.25e227b0b8eap+0, 0x1.1bb4a4a1a343fp+0, 0x1.12358f08ae5bap+0,
        0x1.0953f419900a7p+0, 0x1p+0, 0x1.e608cfd9a47acp-1, 0x1.ca4b31f026aap-1,
        0x1.b2036576afce6p-1, 0x1.9c2d163a1aa2dp-1, 0x1.886e6037841edp-1, 0x1.767dcf5534862p-1,
    };
    private static final double[] LOG_LOGC = {
        -0x1.57bf7808caadep-2, -0x1.2bef0a7c06ddbp-2, -0x1.01eae7f513a67p-2, -0x1.b31d8a68224e9p-3,
        -0x1.6574f0ac07758p-3, -0x1.1aa2bc79c81p-3, -0x1.a4e76ce8c0e5ep-4, -0x1.1973c5a611cccp-4,
        -0x1.252f438e10c1ep-5, 0x0p+0, 0x1.aa5aa5df25984p-5, 0x1.c5e53aa362eb4p-4,
        0x1.526e57720db08p-3, 0x1.bc2860d22477p-3, 0x1.1058bc8a07ee1p-2, 0x1.4043057b6ee09p-2,
    };
    private static final double LN2 = 0x1.62e42fefa39efp-1;
    private static final double LOG_A0 = -0x1.00ea348b88334p-2;
    private static final double LOG_A1 = 0x1.5575b0be00b6ap-2;
    private static final double LOG_A2 = -0x1.ffffef20a4123p-2;
    private static final int LOG_OFF = 0x3f330000;

    /** sin/cos polynomials on [−π/4, π/4]: cos ≈ c0 + c1·x² + ... + c4·x⁸, sin ≈ x + s1·x³ + s2·x⁵ + s3·x⁷. */
    private static final double C0 = 0x1p0;
    private static final double C1 = -0x1.ffffffd0c621cp-2;
    private static final double C2 = 0x1.55553e1068f19p-5;
    private static final double C3 = -0x1.6c087e89a359dp-10;
    private static final double C4 = 0x1.99343027bf8c3p-16;
    private static final double S1 = -0x1.555545995a603p-3;
    private static final double S2 = 0x1.1107605230bc4p-7;
    private static final double S3 = -0x1.994eb3774cf24p-13;
    /** 2/π scaled by 2^24, so the rounded quadrant lands in bits 24..31 of the truncated product. */
    private static final double HPI_INV_2P24 = 0x1.45F306DC9C883p+23;
    private static final double HPI = 0x1.921FB54442D18p0;
    private static final int PIO4_TOP12 = abstop12((float) 0x1.921FB54442D18p-1);
    private static final int TINY_TOP12 = abstop12(0x1p-12f);
    private static final int LIMIT_TOP12 = abstop12(120.0f);

    private GlibcFloatMath() {}

    /** logf: x = 2^k·z, log x = log1p(z/c − 1) + log c + k·ln 2 with a degree-4 polynomial for log1p. */
    public static float logf(float x) {
        int ix = Float.floatToRawIntBits(x);
        if (ix == 0x3f800000) {
            return 0f;
        }
        if (Integer.compareUnsigned(ix - 0x00800000, 0x7f800000 - 0x00800000) >= 0) {
            throw new IllegalArgumentException("logf emulation covers positive normal floats only, got " + x);
        }
        int tmp = ix - LOG_OFF;
        int i = (tmp >>> 19) & 15;
        int k = tmp >> 23;
        double z = Float.intBitsToFloat(ix - (tmp & (0x1ff << 23)));
        double invc = LOG_INVC[i];
        double logc = LOG_LOGC[i];

        double r = Math.fma(z, invc, -1.0);
        double y0 = Math.fma(k, LN2, logc);
        double r2 = r * r;
        double y = Math.fma(LOG_A1, r, LOG_A2);
        y = Math.fma(LOG_A0, r2, y);
        y = Math.fma(y, r2, y0 + r);
        return (float) y;
    }

    /** sinf for |x| &lt; 120. */
    public static float sinf(float y) {
        double x = y;
        int top = abstop12(y);
        if (top < PIO4_TOP12) {
            if (top < TINY_TOP12) {
                return y;
            }
            return poly(x, x * x, false, 0);
        }
        checkRange(y, top);
        int n = quadrant(x);
        x = reduce(x, n);
        double s = sign(n);
        return poly(x * s, x * x, (n & 2) != 0, n);
    }

    /** cosf for |x| &lt; 120. */
    public static float cosf(float y) {
        double x = y;
        int top = abstop12(y);
        if (top < PIO4_TOP12) {
            if (top < TINY_TOP12) {
                return 1f;
            }
            return poly(x, x * x, false, 1);
        }
        checkRange(y, top);
        int n = quadrant(x);
        x = reduce(x, n);
        double s = sign(n);
        return poly(x * s, x * x, (n & 2) != 0, n ^ 1);
    }

    /** reduce_fast without round-to-int intrinsics (x86-64): scaled truncation with explicit rounding. */
    private static int quadrant(double x) {
        double r = x * HPI_INV_2P24;
        return ((int) r + 0x800000) >> 24;
    }

    private static double reduce(double x, int n) {
        return Math.fma(-(double) n, HPI, x);
    }

    /** The table's sign entries {1, −1, −1, 1}. */
    private static double sign(int n) {
        int q = n & 3;
        return q == 1 || q == 2 ? -1.0 : 1.0;
    }

    /**
     * sinf_poly: the sine polynomial for even {@code n}, else the cosine polynomial, whose coefficients are negated
     * (glibc's second table entry) when {@code negatedCos}.
     */
    private static float poly(double x, double x2, boolean negatedCos, int n) {
        if ((n & 1) == 0) {
            double x3 = x * x2;
            double s1 = Math.fma(x2, S3, S2);
            double x7 = x3 * x2;
            double s = Math.fma(x3, S1, x);
            return (float) Math.fma(x7, s1, s);
        }
        double sg = negatedCos ? -1.0 : 1.0;
        double x4 = x2 * x2;
        double c2 = Math.fma(x2, sg * C4, sg * C3);
        double c1 = Math.fma(x2, sg * C1, sg * C0);
        double x6 = x4 * x2;
        double c = Math.fma(x4, sg * C2, c1);
        return (float) Math.fma(x6, c2, c);
    }

    private static void checkRange(float y, int top) {
        if (top >= LIMIT_TOP12) {
            throw new IllegalArgumentException("sinf/cosf emulation covers |x| < 120 only, got " + y);
        }
    }

    private static int abstop12(float x) {
        return (Float.floatToRawIntBits(x) >>> 20) & 0x7ff;
    }
}
