package dev.diffusion4j.schedulers;

import ai.djl.ndarray.NDArray;
import dev.diffusion4j.numerics.Numpy;
import dev.diffusion4j.tensor.Scopes;
import dev.diffusion4j.tensor.Tensors;

/**
 * What the k-diffusion style schedulers (LMS, Euler, Euler ancestral, Heun) share in diffusers 0.25: the sample is
 * x = x₀ + σ·ε (Karras et al. 2022, eq. 1 with s(t) = 1), the UNet sees x/sqrt(σ²+1), the schedule is the σ table
 * interpolated at (fractional) timesteps with a trailing σ = 0, and the position in it is found from the first
 * timestep passed ({@code _init_step_index}), then advanced by each step.
 */
abstract class SigmaScheduler extends BaseScheduler implements SigmaSchedule {

    /** σ(t) for t = 0..T−1, float32 (ascending in t). */
    final float[] trainSigmas;
    final float[] logSigmas;
    /** The schedule's σ, one per timestep plus a final 0. */
    float[] sigmas = new float[0];
    /** Index of the current timestep, or −1 until the first scaleModelInput/step call. */
    int stepIndex = -1;

    SigmaScheduler(SchedulerConfig config, String... predictionTypes) {
        super(config, predictionTypes);
        keepTerminalSigmaFinite();
        this.trainSigmas = NoiseSchedule.sigmas(alphasCumprod);
        this.logSigmas = Numpy.logf(trainSigmas);
    }

    /** Timesteps in calling order and their σ, with the final σ = 0 appended. */
    record Schedule(float[] timesteps, float[] sigmas) {}

    /**
     * The configured spacing's timesteps and σ; with use_karras_sigmas, Karras σ between {@code sigmaMin} and
     * {@code sigmaMax} (null: the interpolated ends) and the timesteps of those σ instead.
     */
    Schedule schedule(int numInferenceSteps, Double sigmaMin, Double sigmaMax) {
        float[] ts = spacedTimesteps(numInferenceSteps);
        double[] sigma = interpolatedSigmas(ts);
        if (config.useKarrasSigmas()) {
            sigma = karrasSigmas(sigma, sigmaMin, sigmaMax);
            ts = Tensors.toFloats(timestepsOf(sigma));
        }
        return new Schedule(ts, withFinalZero(sigma));
    }

    /** The configured spacing as float32 timesteps (np.float32 in diffusers), descending. */
    float[] spacedTimesteps(int numInferenceSteps) {
        return Tensors.toFloats(NoiseSchedule.spacing(config, numInferenceSteps));
    }

    /** σ at each timestep: {@code np.interp(timesteps, arange(T), sigmas)} in float64. */
    double[] interpolatedSigmas(float[] timesteps) {
        double[] x = new double[timesteps.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = timesteps[i];
        }
        return Numpy.interp(x, trainSigmas);
    }

    /** Karras et al. 2022 eq. 5 between the given ends (or the interpolated ones), and the timesteps of those σ. */
    double[] karrasSigmas(double[] interpolated, Double sigmaMin, Double sigmaMax) {
        double min = sigmaMin != null ? sigmaMin : interpolated[interpolated.length - 1];
        double max = sigmaMax != null ? sigmaMax : interpolated[0];
        return NoiseSchedule.karras(min, max, interpolated.length);
    }

    double[] timestepsOf(double[] sigmas) {
        double[] t = new double[sigmas.length];
        for (int i = 0; i < t.length; i++) {
            t[i] = sigmaToT(sigmas[i], logSigmas);
        }
        return t;
    }

    /**
     * diffusers' {@code _sigma_to_t} for a float64 σ against the float32 log-σ table, with numpy 1.24's value-based
     * casting: log σ is taken in float64 and cast to float32 where it meets the table, so the bracketing search and
     * the weight w are float32, while (1 − w)·low + w·high (float32 times int64 arrays) is float64.
     */
    static double sigmaToT(double sigma, float[] logSigmas) {
        float logSigma = (float) Math.log(Math.max(sigma, 1e-10));
        int low = NoiseSchedule.lowIndex(logSigma, logSigmas);
        int high = low + 1;
        float w = (logSigmas[low] - logSigma) / (logSigmas[low] - logSigmas[high]);
        w = Math.max(0f, Math.min(1f, w));
        return (double) (1f - w) * low + (double) w * high;
    }

    /** float32 σ table with the final 0 appended. */
    static float[] withFinalZero(double[] sigmas) {
        float[] out = new float[sigmas.length + 1];
        for (int i = 0; i < sigmas.length; i++) {
            out[i] = (float) sigmas[i];
        }
        return out;
    }

    /** The σ schedule: one per entry of {@link #timesteps()} and a final one (0). */
    public float[] sigmas() {
        return sigmas.clone();
    }

    @Override
    public float initNoiseSigma() {
        float max = 0f;
        for (float s : sigmas) {
            max = Math.max(max, s);
        }
        String spacing = config.timestepSpacing();
        return spacing.equals("linspace") || spacing.equals("trailing") ? max : NoiseSchedule.sqrt(max * max + 1f);
    }

    void initStepIndex(float t) {
        requireTimesteps();
        if (stepIndex < 0) {
            stepIndex = indexOf(timesteps, t, config.className());
        }
    }

    void requireStepsLeft() {
        if (stepIndex >= timesteps.length) {
            throw new IllegalStateException(config.className() + ": the schedule is finished; call setTimesteps");
        }
    }

    /** Karras et al. 2022, Table 1 (VP/"eps" networks): c_in = 1/sqrt(σ² + 1). */
    @Override
    public NDArray scaleModelInput(NDArray sample, float t) {
        initStepIndex(t);
        requireStepsLeft();
        float sigma = sigmas[stepIndex];
        return sample.div(NoiseSchedule.sqrt(sigma * sigma + 1f));
    }

    /** x̂₀ from the model output at σ: ε (x − σε), v (Salimans &amp; Ho 2022, eq. 5 in σ form) or x₀ itself. */
    NDArray predictOriginal(NDArray modelOutput, NDArray sample, float sigma) {
        return switch (config.predictionType()) {
            case "epsilon" -> sample.sub(modelOutput.mul(sigma));
            case "v_prediction" -> {
                float s2 = sigma * sigma + 1f;
                yield modelOutput.mul(-sigma / NoiseSchedule.sqrt(s2)).add(sample.div(s2));
            }
            default -> modelOutput.duplicate();
        };
    }

    /** x_t = x₀ + σ_t·ε (one σ for the batch). */
    @Override
    public NDArray addNoise(NDArray original, NDArray noise, float t) {
        requireTimesteps();
        float sigma = sigmas[indexOf(timesteps, t, config.className())];
        return Scopes.scopedLike(original, () -> original.add(noise.mul(sigma)));
    }
}
