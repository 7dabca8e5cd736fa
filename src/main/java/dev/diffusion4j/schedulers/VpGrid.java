package dev.diffusion4j.schedulers;

import dev.diffusion4j.numerics.Numpy;
import dev.diffusion4j.numerics.SleefFloat;

/**
 * The schedule the VP-parametrised exponential-integrator solvers of diffusers 0.25 share (DEIS, UniPC,
 * DPM-Solver multistep and singlestep): integer timesteps spaced over the training range
 * without its last point, the σ = sqrt((1 − ᾱ)/ᾱ) table at those timesteps plus σ(t = 0) (or the Karras et al. 2022
 * ramp, σmin repeated), and x_t = α_t·x₀ + σ_t·ε with α_t = 1/sqrt(σ² + 1), σ_t = σ·α_t in float32.
 */
final class VpGrid {

    private VpGrid() {}

    /** α_t and σ_t of a schedule σ (float32, diffusers' {@code _sigma_to_alpha_sigma_t}). */
    record Vp(float alpha, float sigma) {

        static Vp of(float sigma) {
            float alpha = 1f / NoiseSchedule.sqrt(sigma * sigma + 1f);
            return new Vp(alpha, sigma * alpha);
        }

        /** λ = log α_t − log σ_t, half the log-SNR (torch's float32 log, SLEEF on x86). */
        float lambda() {
            return SleefFloat.log(alpha) - SleefFloat.log(sigma);
        }
    }

    /** The config's timestep_spacing over the whole training range (DEIS, UniPC). */
    static double[] timesteps(SchedulerConfig c, int n) {
        return timesteps(c, c.timestepSpacing(), c.numTrainTimesteps(), n, c.stepsOffset());
    }

    /**
     * Descending integer timesteps: "linspace" = round(linspace(0, last − 1, n + 1)) reversed without its final 0,
     * "leading" = (n − i)·(last // (n + 1)) + offset, "trailing" = round(arange(last, 0, −T/n)) − 1.
     *
     * @param last the number of training timesteps left after lambda_min_clipped (T unless clipped)
     */
    static double[] timesteps(SchedulerConfig c, String spacing, int last, int n, int stepsOffset) {
        int trainTimesteps = c.numTrainTimesteps();
        if (n < 1 || n > trainTimesteps) {
            throw new IllegalArgumentException(c.className() + ": num_inference_steps must be in 1.." + trainTimesteps
                    + ", got " + n);
        }
        double[] grid;
        switch (spacing) {
            case "linspace" -> {
                double[] l = Numpy.linspace(0, last - 1, n + 1);
                grid = new double[n];
                for (int i = 0; i < n; i++) {
                    grid[i] = Math.rint(l[n - i]);
                }
            }
            case "leading" -> {
                int ratio = last / (n + 1);
                grid = new double[n];
                for (int i = 0; i < n; i++) {
                    grid[i] = (double) (n - i) * ratio + stepsOffset;
                }
            }
            case "trailing" -> {
                double[] a = Numpy.arange(last, 0, -((double) trainTimesteps / n));
                grid = new double[a.length];
                for (int i = 0; i < a.length; i++) {
                    grid[i] = Math.rint(a[i]) - 1;
                }
            }
            default -> throw new IllegalArgumentException(c.className() + ": timestep_spacing '" + spacing
                    + "' is not supported (linspace, leading, trailing)");
        }
        return grid;
    }

    /**
     * Number of trailing training timesteps cut off by lambda_min_clipped: {@code searchsorted} over the flipped
     * λ(t) = log sqrt(ᾱ_t) − log sqrt(1 − ᾱ_t) table (torch's float32 log).
     */
    static int clippedTimesteps(float[] alphasCumprod, double lambdaMinClipped) {
        int n = alphasCumprod.length;
        for (int i = 0; i < n; i++) {
            float ac = alphasCumprod[n - 1 - i];
            float lambda = SleefFloat.log(NoiseSchedule.sqrt(ac)) - SleefFloat.log(NoiseSchedule.sqrt(1f - ac));
            if (lambda >= lambdaMinClipped) {
                return i;
            }
        }
        return n;
    }

    /** The training σ at each (integer) timestep, then σ(t = 0): the non-Karras schedule, float32. */
    static float[] tableSigmas(double[] timesteps, float[] trainSigmas) {
        float[] out = new float[timesteps.length + 1];
        for (int i = 0; i < timesteps.length; i++) {
            out[i] = trainSigmas[(int) timesteps[i]];
        }
        out[timesteps.length] = trainSigmas[0];
        return out;
    }

    /** A Karras schedule: its rounded timesteps and its σ (n + 1 entries, σmin repeated as the final one). */
    record Karras(double[] timesteps, float[] sigmas) {}

    /** Karras et al. 2022 eq. 5 between the table's ends (or the config's sigma_min/sigma_max). */
    static Karras karras(SchedulerConfig c, float[] trainSigmas, float[] logSigmas, int n) {
        double min = c.sigmaMin() != null ? c.sigmaMin() : trainSigmas[0];
        double max = c.sigmaMax() != null ? c.sigmaMax() : trainSigmas[trainSigmas.length - 1];
        double[] k = NoiseSchedule.karras(min, max, n);
        double[] timesteps = new double[n];
        float[] sigmas = new float[n + 1];
        for (int i = 0; i < n; i++) {
            timesteps[i] = Math.rint(NoiseSchedule.sigmaToT(k[i], logSigmas));
            sigmas[i] = (float) k[i];
        }
        sigmas[n] = (float) k[n - 1];
        return new Karras(timesteps, sigmas);
    }

    /** Position of {@code t} (its second occurrence if listed twice); diffusers 0.25 maps an unknown t to the end. */
    static int indexOf(float[] timesteps, float t) {
        for (float ts : timesteps) {
            if (ts == t) {
                return BaseScheduler.indexOf(timesteps, t, "VpGrid");
            }
        }
        return timesteps.length - 1;
    }
}
