package dev.diffusion4j.numerics;

/**
 * torch's float32 {@code log} and {@code exp} on CPU, as diffusers' 0-d tensor arithmetic evaluates them (DPM-Solver's
 * λ = log α − log σ and e^{±h}): torch's AVX2 kernels call SLEEF's {@code Sleef_logf8_u10} and {@code Sleef_expf8_u10}
 * (SLEEF 3.5, the version torch vendors), which are not correctly rounded. A last-bit difference in λ moves
 * e^{−h} − 1 by a few units, so matching diffusers bit for bit needs the same algorithms: these follow SLEEF's
 * {@code xlogf_u1} and {@code xexpf} with its FMA helpers (SLEEF is built with -ffp-contract=off, so every fused
 * multiply-add here is an explicit one there). Domain: positive normal arguments for log, |x| &lt; 88 for exp.
 */
public final class SleefFloat {

    private static final float L2U = 0.693145751953125f;
    private static final float L2L = 1.428606765330187045e-06f;
    private static final float R_LN2 = 1.442695040888963407359924681001892137426645954152985934135449406931f;
    private static final float LN2_HI = 0.69314718246459960938f;
    private static final float LN2_LO = -1.904654323148236017e-09f;

    private SleefFloat() {}

    /** SLEEF {@code xlogf_u1}: log x = e·ln 2 + 2·atanh((m−1)/(m+1)) in double-float arithmetic. */
    public static float log(float d) {
        if (!(d > 0) || Float.isInfinite(d)) {
            return d == 0 ? Float.NEGATIVE_INFINITY : d > 0 ? d : Float.NaN;
        }
        boolean subnormal = d < Float.MIN_NORMAL;
        if (subnormal) {
            d = d * 0x1p64f;
        }
        int e = ((Float.floatToRawIntBits(d * (1.0f / 0.75f)) >>> 23) & 0xff) - 0x7f;
        float m = Float.intBitsToFloat(Float.floatToRawIntBits(d) + (-e << 23));
        if (subnormal) {
            e -= 64;
        }
        float fe = e;
        // s = (ln 2 as a double-float) × e
        float sx = LN2_HI * fe;
        float sy = Math.fma(LN2_LO, fe, Math.fma(LN2_HI, fe, -sx));
        // x = (m − 1)/(m + 1) as a double-float
        float nx = -1f + m;
        float nv = nx - -1f;
        float ny = (-1f - (nx - nv)) + (m - nv);
        float dx = 1f + m;
        float dv = dx - 1f;
        float dy = (1f - (dx - dv)) + (m - dv);
        float t = 1f / dx;
        float xx = nx * t;
        float u = Math.fma(t, nx, -xx);
        float v = Math.fma(-dy, t, Math.fma(-dx, t, 1f));
        float xy = Math.fma(xx, v, Math.fma(ny, t, u));
        float x2 = xx * xx;
        float p = 0.3027294874f;
        p = Math.fma(p, x2, 0.3996108174f);
        p = Math.fma(p, x2, 0.6666694880f);
        // s += 2x (dfadd_vf2_vf2_vf2)
        float ax = xx * 2;
        float ay = xy * 2;
        float s2x = sx + ax;
        float s2y = (((sx - s2x) + ax) + sy) + ay;
        // s += x³·p (dfadd_vf2_vf2_vf)
        float b = (x2 * xx) * p;
        float s3x = s2x + b;
        float s3y = ((s2x - s3x) + b) + s2y;
        return s3x + s3y;
    }

    /** SLEEF {@code xexpf}: 2^q · e^s with s = x − q·ln 2 (Cody–Waite) and a degree-7 polynomial. */
    public static float exp(float d) {
        if (d < -104f) {
            return 0f;
        }
        if (d > 100f) {
            return Float.POSITIVE_INFINITY;
        }
        int q = (int) Math.rint(d * R_LN2);
        float s = Math.fma(q, -L2U, d);
        s = Math.fma(q, -L2L, s);
        float u = 0.000198527617612853646278381f;
        u = Math.fma(u, s, 0.00139304355252534151077271f);
        u = Math.fma(u, s, 0.00833336077630519866943359f);
        u = Math.fma(u, s, 0.0416664853692054748535156f);
        u = Math.fma(u, s, 0.166666671633720397949219f);
        u = Math.fma(u, s, 0.5f);
        u = 1f + Math.fma(s * s, u, s);
        int half = q >> 1;
        return u * pow2(half) * pow2(q - half);
    }

    private static float pow2(int q) {
        return Float.intBitsToFloat((q + 0x7f) << 23);
    }
}
