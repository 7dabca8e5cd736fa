package dev.diffusion4j.schedulers;

import dev.diffusion4j.numerics.Numpy;
import dev.diffusion4j.numerics.TorchLinspace;

/**
 * The scalar tables every scheduler shares, reproduced bit for bit where the reference is deterministic: betas
 * (torch float32 {@code linspace}), {@code alphas_cumprod} (torch {@code cumprod}), the sigma table, the timestep
 * spacings and sigma interpolation (numpy's, emulated in {@code numerics}), and the Karras et al. (2022) sigma ramp. float arithmetic here stands for torch float32 tensor arithmetic, double for numpy float64.
 */
final class NoiseSchedule {

    private NoiseSchedule() {}

    /** {@code betas} of diffusers' scheduler constructors, float32. */
    static float[] betas(SchedulerConfig c) {
        int n = c.numTrainTimesteps();
        float[] trained = c.trainedBetas();
        float[] betas;
        if (trained != null) {
            betas = trained;
        } else {
            betas = switch (c.betaSchedule()) {
                case "linear" -> TorchLinspace.float32((float) c.betaStart(), (float) c.betaEnd(), n);
                case "scaled_linear" -> {
                    float[] b = TorchLinspace.float32((float) Math.sqrt(c.betaStart()), (float) Math.sqrt(c.betaEnd()), n);
                    for (int i = 0; i < n; i++) {
                        b[i] = b[i] * b[i];
                    }
                    yield b;
                }
                case "squaredcos_cap_v2" -> betasForAlphaBar(n, false);
                case "exp" -> {
                    requireClass(c, "exp", "HeunDiscreteScheduler");
                    yield betasForAlphaBar(n, true);
                }
                case "sigmoid" -> {
                    requireClass(c, "sigmoid", "DDPMScheduler");
                    float[] b = TorchLinspace.float32(-6f, 6f, n);
                    float scale = (float) (c.betaEnd() - c.betaStart());
                    for (int i = 0; i < n; i++) {
                        float sig = (float) (1.0 / (1.0 + Math.exp(-b[i])));
                        b[i] = sig * scale + (float) c.betaStart();
                    }
                    yield b;
                }
                default -> throw new IllegalArgumentException(c.className() + ": beta_schedule '" + c.betaSchedule()
                        + "' is not implemented (linear, scaled_linear, squaredcos_cap_v2)");
            };
        }
        if (c.rescaleBetasZeroSnr()) {
            betas = rescaleZeroTerminalSnr(betas);
        }
        return betas;
    }

    private static void requireClass(SchedulerConfig c, String schedule, String className) {
        if (!c.className().equals(className)) {
            throw new IllegalArgumentException(c.className() + ": beta_schedule '" + schedule
                    + "' is only implemented by " + className);
        }
    }

    /** diffusers' {@code betas_for_alpha_bar}: cosine (Nichol &amp; Dhariwal 2021, eq. 17) or exp, max beta 0.999. */
    static float[] betasForAlphaBar(int n, boolean exp) {
        float[] betas = new float[n];
        for (int i = 0; i < n; i++) {
            double t1 = (double) i / n;
            double t2 = (double) (i + 1) / n;
            betas[i] = (float) Math.min(1 - alphaBar(t2, exp) / alphaBar(t1, exp), 0.999);
        }
        return betas;
    }

    private static double alphaBar(double t, boolean exp) {
        if (exp) {
            return Math.exp(t * -12.0);
        }
        double c = Math.cos((t + 0.008) / 1.008 * Math.PI / 2);
        return c * c;
    }

    /** Lin et al. 2023, "Common Diffusion Noise Schedules and Sample Steps are Flawed", Algorithm 1 (float32). */
    static float[] rescaleZeroTerminalSnr(float[] betas) {
        float[] ac = alphasCumprod(betas);
        int n = ac.length;
        float[] sqrt = new float[n];
        for (int i = 0; i < n; i++) {
            sqrt[i] = sqrt(ac[i]);
        }
        float first = sqrt[0];
        float last = sqrt[n - 1];
        float scale = first / (first - last);
        float[] bar = new float[n];
        for (int i = 0; i < n; i++) {
            float s = (sqrt[i] - last) * scale;
            bar[i] = s * s;
        }
        float[] out = new float[n];
        out[0] = 1f - bar[0];
        for (int i = 1; i < n; i++) {
            out[i] = 1f - bar[i] / bar[i - 1];
        }
        return out;
    }

    /** {@code torch.cumprod(1 - betas)}: torch accumulates a float32 cumprod in double and rounds each entry. */
    static float[] alphasCumprod(float[] betas) {
        float[] out = new float[betas.length];
        double acc = 1.0;
        for (int i = 0; i < betas.length; i++) {
            acc *= 1f - betas[i];
            out[i] = (float) acc;
        }
        return out;
    }

    /** σ(t) = sqrt((1 − ᾱ_t) / ᾱ_t) for t = 0..T−1 (float32, ascending in t). */
    static float[] sigmas(float[] alphasCumprod) {
        float[] out = new float[alphasCumprod.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = sqrt((1f - alphasCumprod[i]) / alphasCumprod[i]);
        }
        return out;
    }

    /** Element-wise float32 log (numpy's {@code np.log} of a float32 array, up to its last-bit differences). */
    static float[] log(float[] x) {
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = log(x[i]);
        }
        return out;
    }

    static float sqrt(float x) {
        return (float) Math.sqrt(x);
    }

    static float log(float x) {
        return (float) Math.log(x);
    }

    static float exp(float x) {
        return (float) Math.exp(x);
    }

    /** The reference timestep grids, descending, before each scheduler's own rounding and dtype. */
    static double[] spacing(SchedulerConfig c, int numInferenceSteps) {
        int t = c.numTrainTimesteps();
        int n = numInferenceSteps;
        if (n < 1 || n > t) {
            throw new IllegalArgumentException(c.className() + ": num_inference_steps must be in 1.." + t + ", got " + n);
        }
        double[] out = new double[n];
        switch (c.timestepSpacing()) {
            case "linspace" -> {
                double[] l = Numpy.linspace(0, t - 1, n);
                for (int i = 0; i < n; i++) {
                    out[i] = l[n - 1 - i];
                }
            }
            case "leading" -> {
                int ratio = t / n;
                for (int i = 0; i < n; i++) {
                    out[i] = (double) (n - 1 - i) * ratio + c.stepsOffset();
                }
            }
            case "trailing" -> {
                double[] a = Numpy.arange(t, 0, -((double) t / n));
                out = new double[a.length];
                for (int i = 0; i < a.length; i++) {
                    out[i] = Math.rint(a[i]) - 1;
                }
            }
            default -> throw new IllegalArgumentException(c.className() + ": timestep_spacing '" + c.timestepSpacing()
                    + "' is not supported (linspace, leading, trailing)");
        }
        return out;
    }

    /** Karras et al. 2022, eq. 5: σ_i = (σmax^(1/ρ) + i/(n−1)·(σmin^(1/ρ) − σmax^(1/ρ)))^ρ with ρ = 7. */
    static double[] karras(double sigmaMin, double sigmaMax, int n) {
        double rho = 7.0;
        double[] ramp = Numpy.linspace(0, 1, n);
        double minInvRho = Math.pow(sigmaMin, 1 / rho);
        double maxInvRho = Math.pow(sigmaMax, 1 / rho);
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = Math.pow(maxInvRho + ramp[i] * (minInvRho - maxInvRho), rho);
        }
        return out;
    }

    /**
     * diffusers' {@code _sigma_to_t}: the fractional training timestep whose log-sigma (linearly interpolated in the
     * float32 {@code logSigmas} table) equals log σ.
     */
    static double sigmaToT(double sigma, float[] logSigmas) {
        double logSigma = Math.log(Math.max(sigma, 1e-10));
        int low = lowIndex(logSigma, logSigmas);
        int high = low + 1;
        float lo = logSigmas[low];
        float hi = logSigmas[high];
        double w = (lo - logSigma) / (double) (lo - hi);
        w = Math.max(0, Math.min(1, w));
        return (1 - w) * low + w * high;
    }

    /**
     * The start of the interval of the ascending log-σ table that holds {@code logSigma}: the last index whose entry
     * is ≤ it (0 below the table), at most T − 2 so that the interval has an end (diffusers' {@code _sigma_to_t}
     * {@code low_idx}). A float32 log σ compares exactly as in float32 arithmetic once widened.
     */
    static int lowIndex(double logSigma, float[] logSigmas) {
        int low = 0;
        for (int i = 0; i < logSigmas.length; i++) {
            if (logSigma - logSigmas[i] >= 0) {
                low = i;
            }
        }
        return Math.min(low, logSigmas.length - 2);
    }
}
