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
}
