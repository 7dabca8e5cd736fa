package dev.diffusion4j.numerics;

/**
 * numpy's float64 array constructors and interpolation as diffusers' schedulers call them, with numpy's exact formulas
 * (its linspace multiplies the step, it does not accumulate it), so timestep grids and interpolated sigmas are
 * bit-identical to the reference.
 */
public final class Numpy {

    private Numpy() {}

    /** {@code np.linspace(start, stop, num)} in float64, numpy's formula {@code i * step + start}, exact end. */
    public static double[] linspace(double start, double stop, int num) {
        double[] y = new double[num];
        int div = num - 1;
        double delta = stop - start;
        double step = div > 0 ? delta / div : Double.NaN;
        for (int i = 0; i < num; i++) {
            double v;
            if (div <= 0) {
                v = i * delta;
            } else if (step == 0) {
                v = i / (double) div * delta;
            } else {
                v = i * step;
            }
            y[i] = v + start;
        }
        if (num > 1) {
            y[num - 1] = stop;
        }
        return y;
    }

    /** {@code np.arange(start, stop, step)} for floats: {@code start + i * (first step)}, ceil-length. */
    public static double[] arange(double start, double stop, double step) {
        int len = (int) Math.max(0, Math.ceil((stop - start) / step));
        double[] out = new double[len];
        double delta = (start + step) - start;
        for (int i = 0; i < len; i++) {
            out[i] = i == 0 ? start : i == 1 ? start + step : start + i * delta;
        }
        return out;
    }

    /** {@code np.interp(x, np.arange(len(fp)), fp)} in float64. */
    public static double[] interp(double[] x, float[] fp) {
        double[] out = new double[x.length];
        int last = fp.length - 1;
        for (int i = 0; i < x.length; i++) {
            double v = x[i];
            if (Double.isNaN(v)) {
                out[i] = Double.NaN;
            } else if (v < 0) {
                out[i] = fp[0];
            } else if (v >= last) {
                out[i] = fp[last];
            } else {
                int j = (int) Math.floor(v);
                if (j == v) {
                    out[i] = fp[j];
                } else {
                    double slope = (double) fp[j + 1] - fp[j]; // xp is 0, 1, 2, ...: the divisor is 1
                    out[i] = slope * (v - j) + fp[j];
                }
            }
        }
        return out;
    }

    /** {@link #logf(float)} of each element. */
    public static float[] logf(float[] x) {
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = logf(x[i]);
        }
        return out;
    }

    private static final float[] LOG_P = {0.0f, 9.999999999999998702752e-01f, 2.112677543073053063722e+00f,
        1.480000633576506585156e+00f, 3.808837741388407920751e-01f, 2.589979117907922693523e-02f};
    private static final float[] LOG_Q = {1.0f, 2.612677543073109236779e+00f, 2.453006071784736363091e+00f,
        9.864942958519418960339e-01f, 1.546476374983906719538e-01f, 5.875095403124574342950e-03f};

    /**
     * numpy 1.24's float32 {@code np.log} on x86-64 with AVX2+FMA or AVX-512F ({@code simd_log_FLOAT}), through which
     * diffusers' sigma schedulers put their log-σ table: x = m·2^e with m in [√½, √2), then log(1 + (m − 1)) as a ratio of two degree-5
     * polynomials evaluated with FMA, plus e·ln 2. Up to 3.83 ulp from the correctly rounded value, so the timesteps
     * interpolated in the table need exactly these values.
     */
    public static float logf(float x) {
        if (Float.isNaN(x) || x < 0f) {
            return Float.NaN;
        }
        if (x == 0f) {
            return Float.NEGATIVE_INFINITY;
        }
        if (x == Float.POSITIVE_INFINITY) {
            return x;
        }
        int bias = 0;
        if (x < Float.MIN_NORMAL) {
            x *= 0x1p100f;
            bias = 100;
        }
        int bits = Float.floatToRawIntBits(x);
        float exponent = ((bits >>> 23) & 0xff) - 126 - bias;
        float m = Float.intBitsToFloat((bits & 0x7fffff) | (126 << 23));
        if (m <= 0.707106781186547524400844362104849039f) {
            m += m;
            exponent -= 1f;
        }
        m -= 1f;
        float num = Math.fma(LOG_P[5], m, LOG_P[4]);
        float den = Math.fma(LOG_Q[5], m, LOG_Q[4]);
        for (int i = 3; i >= 0; i--) {
            num = Math.fma(num, m, LOG_P[i]);
            den = Math.fma(den, m, LOG_Q[i]);
        }
        return Math.fma(exponent, 0.693147180559945309417232121458176568f, num / den);
    }
}
