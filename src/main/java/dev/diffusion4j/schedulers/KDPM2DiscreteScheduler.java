package dev.diffusion4j.schedulers;

import ai.djl.ndarray.NDArray;
import dev.diffusion4j.numerics.Numpy;
import dev.diffusion4j.numerics.SleefFloat;
import dev.diffusion4j.random.TorchGenerator;
import dev.diffusion4j.tensor.Tensors;
import java.util.List;

/**
 * DPM-Solver-2 in σ form (Lu et al. 2022, "DPM-Solver", Algorithm 1 with k = 2, as Karras et al. 2022 write it
 * beside their Algorithm 2 and k-diffusion's {@code sample_dpm_2} runs it), diffusers' {@code KDPM2DiscreteScheduler}
 * (A1111's "DPM2"): each step evaluates the model at σ_i, takes an Euler step to the midpoint
 * σ_mid = exp((log σ_i + log σ_{i+1})/2), evaluates the model there and steps from x_i to σ_{i+1} with the midpoint's
 * slope. The midpoints' timesteps are interleaved with the schedule's ({@link #timesteps()}: 2N−1 model calls,
 * {@link #order()} 2); the last step is a plain Euler step to σ = 0. Karras sigmas (timesteps rounded); prediction
 * types epsilon and v_prediction.
 */
public final class KDPM2DiscreteScheduler extends TwoStageSigmaScheduler {

    /** The registry entry: diffusers 0.25.1 defaults; A1111's "DPM2", k-diffusion's "dpm_2". */
    static final SchedulerSpec SPEC = new SchedulerSpec("KDPM2DiscreteScheduler", SchedulerSpec.defaults(0.00085, 0.012,
            "use_karras_sigmas", false, "prediction_type", "epsilon", "timestep_spacing", "linspace",
            "steps_offset", 0.0),
            KDPM2DiscreteScheduler::new, List.of(SamplerSpec.of("dpm2", "DPM2", "dpm_2", "kdpm2")));

    /** The midpoint σ of each entry of {@link #sigmas}, interleaved like it. */
    private float[] sigmasInterpol = new float[0];

    public KDPM2DiscreteScheduler(SchedulerConfig config) {
        super(config, "epsilon", "v_prediction");
    }

    @Override
    public void setTimesteps(int numInferenceSteps) {
        Schedule schedule = roundedSchedule(this, numInferenceSteps);
        float[] once = schedule.sigmas();
        int n = schedule.timesteps().length;
        // σ_mid,i = exp(lerp(log σ_i, log σ_{i−1}, ½)): the geometric mean of σ_i and the σ before it (torch's roll)
        float[] interpol = new float[n + 1];
        for (int i = 0; i <= n; i++) {
            interpol[i] = logMidpoint(once[i], once[(i + n) % (n + 1)]);
        }
        sigmas = interleave(once);
        sigmasInterpol = interleave(interpol);
        timesteps = interleaveTimesteps(schedule.timesteps(), timestepsOf(interpol, logSigmas), 1);
        stepIndex = -1;
        close();
    }

    /**
     * The schedule both KDPM2 samplers start from: the configured spacing's timesteps and interpolated σ (a final 0
     * appended), or Karras σ with their timesteps rounded to integers (unlike Heun's and LMS's).
     */
    static Schedule roundedSchedule(SigmaScheduler s, int numInferenceSteps) {
        float[] ts = s.spacedTimesteps(numInferenceSteps);
        double[] sigma = s.interpolatedSigmas(ts);
        if (s.config.useKarrasSigmas()) {
            sigma = s.karrasSigmas(sigma, s.config.sigmaMin(), s.config.sigmaMax());
            double[] t = s.timestepsOf(sigma);
            for (int i = 0; i < t.length; i++) {
                t[i] = Math.rint(t[i]);
            }
            ts = Tensors.toFloats(t);
        }
        return new Schedule(ts, withFinalZero(sigma));
    }

    @Override
    public NDArray scaleModelInput(NDArray sample, float t) {
        initStepIndex(t);
        requireStepsLeft();
        float sigma = inFirstOrder() ? sigmas[stepIndex] : sigmasInterpol[stepIndex];
        return sample.div(NoiseSchedule.sqrt(sigma * sigma + 1f));
    }

    /** d_i = (x_i − D(x_i; σ_i))/σ_i, Euler to the midpoint: x_mid = x_i + (σ_mid − σ_i)·d_i. */
    @Override
    NDArray firstStage(NDArray modelOutput, NDArray sample, TorchGenerator generator) {
        float sigma = sigmas[stepIndex];
        float sigmaMid = sigmasInterpol[stepIndex + 1];
        NDArray derivative = sample.sub(predictOriginal(modelOutput, sample, sigma)).div(sigma);
        return sample.add(derivative.mul(sigmaMid - sigma));
    }

    /** DPM-Solver-2: x_{i+1} = x_i + (σ_{i+1} − σ_i)·d_mid with d_mid = (x_mid − D(x_mid; σ_mid))/σ_mid. */
    @Override
    NDArray secondStage(NDArray modelOutput, NDArray sample, TorchGenerator generator) {
        float sigma = sigmas[stepIndex - 1];
        float sigmaMid = sigmasInterpol[stepIndex];
        float sigmaNext = sigmas[stepIndex];
        NDArray derivative = sample.sub(predictOriginal(modelOutput, sample, sigmaMid)).div(sigmaMid);
        return firstSample.add(derivative.mul(sigmaNext - sigma));
    }

    /**
     * torch's float32 {@code exp(log(a).lerp(log(b), 0.5))} (SLEEF log/exp, lerp as {@code b − (b − a)·½}), with
     * IEEE semantics at σ = 0: −∞ midpoints give 0, ∞ − ∞ gives NaN, as in diffusers' tables.
     */
    static float logMidpoint(float a, float b) {
        float la = a == 0f ? Float.NEGATIVE_INFINITY : SleefFloat.log(a);
        float lb = b == 0f ? Float.NEGATIVE_INFINITY : SleefFloat.log(b);
        float v = lb - (lb - la) * 0.5f;
        if (Float.isNaN(v)) {
            return Float.NaN;
        }
        return v == Float.NEGATIVE_INFINITY ? 0f : SleefFloat.exp(v);
    }

    /**
     * The midpoints' timesteps: diffusers' {@code _sigma_to_t} as it runs on a float32 σ tensor and the float32
     * log-σ table: everything in float32, log σ by numpy's float32 log ({@link Numpy#logf(float)}). This
     * reproduces the pipeline goldens' timesteps bit for bit; a few midpoints of the 20-step scheduler goldens still
     * differ by one float32 ulp (≤ 6.1e-5).
     */
    static float[] timestepsOf(float[] sigmas, float[] logSigmas) {
        float[] out = new float[sigmas.length];
        for (int i = 0; i < out.length; i++) {
            float logSigma = Numpy.logf(Math.max(sigmas[i], 1e-10f));
            int low = NoiseSchedule.lowIndex(logSigma, logSigmas);
            int high = low + 1;
            float w = (logSigmas[low] - logSigma) / (logSigmas[low] - logSigmas[high]);
            w = Math.max(0f, Math.min(1f, w));
            out[i] = Float.isNaN(sigmas[i]) ? Float.NaN : (1f - w) * low + w * high;
        }
        return out;
    }
}
