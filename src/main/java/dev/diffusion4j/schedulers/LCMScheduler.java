package dev.diffusion4j.schedulers;

import ai.djl.ndarray.NDArray;
import dev.diffusion4j.random.TorchGenerator;
import java.util.List;

/**
 * Multistep latent consistency sampling (Luo et al. 2023, "Latent Consistency Models", Algorithm 1), diffusers 0.25's
 * {@code LCMScheduler}: for LCM-distilled UNets and LCM-LoRAs, which are trained on a skipping schedule of
 * {@code original_inference_steps} timesteps (50: 999, 979, …, 19), so the N timesteps here are N evenly indexed
 * entries of it. Each step maps x_t to the consistency function's estimate of x₀ and, except after the last step,
 * noises it again to the next timestep with fresh noise from the generator. Prediction types epsilon, sample,
 * v_prediction; clip_sample. diffusers 0.25 ignores {@code timestep_spacing} here (the key is kept for its config).
 */
public final class LCMScheduler extends DiscreteTimeScheduler {

    /** The registry entry: diffusers 0.25.1 defaults (in signature order); A1111's "LCM". */
    static final SchedulerSpec SPEC = new SchedulerSpec("LCMScheduler", SchedulerSpec.defaults(0.00085, 0.012,
            "beta_schedule", "scaled_linear", "original_inference_steps", 50.0, "clip_sample", false,
            "clip_sample_range", 1.0, "set_alpha_to_one", true, "steps_offset", 0.0, "prediction_type", "epsilon",
            "thresholding", false, "dynamic_thresholding_ratio", 0.995, "sample_max_value", 1.0,
            "timestep_spacing", "leading", "timestep_scaling", 10.0, "rescale_betas_zero_snr", false),
            LCMScheduler::new, List.of(SamplerSpec.of("lcm", "LCM")), false); // 0.25.1 reads no timestep_spacing

    /** σ_data of the consistency parametrisation (Song et al. 2023, "Consistency Models", Appendix C). */
    private static final float SIGMA_DATA = 0.5f;

    private final float finalAlphaCumprod;
    private final int originalInferenceSteps;
    private final float timestepScaling;
    private int stepIndex = -1;

    public LCMScheduler(SchedulerConfig config) {
        super(config, "epsilon", "sample", "v_prediction");
        rejectThresholding();
        this.finalAlphaCumprod = config.setAlphaToOne() ? 1f : alphasCumprod[0];
        this.originalInferenceSteps = positiveInteger(config, "original_inference_steps");
        this.timestepScaling = (float) ((Number) config.get("timestep_scaling")).doubleValue();
    }

    private static int positiveInteger(SchedulerConfig config, String key) {
        Object v = config.get(key);
        if (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()) || n.doubleValue() < 1) {
            throw new IllegalArgumentException("LCMScheduler config key '" + key + "' must be a positive integer, got "
                    + v);
        }
        return n.intValue();
    }

    /**
     * The training schedule's timesteps k−1, 2k−1, …, T−1 (k = T/original_inference_steps), descending, of which the
     * N at indices floor(i·original/N) are taken.
     */
    @Override
    public void setTimesteps(int numInferenceSteps) {
        int t = config.numTrainTimesteps();
        int original = originalInferenceSteps;
        int n = numInferenceSteps;
        if (original > t) {
            throw new IllegalArgumentException("LCMScheduler: original_inference_steps " + original
                    + " cannot exceed num_train_timesteps " + t);
        }
        if (n < 1 || n > original) {
            throw new IllegalArgumentException("LCMScheduler: num_inference_steps must be in 1.." + original
                    + " (original_inference_steps), got " + n);
        }
        int k = t / original;
        double step = (double) original / n; // np.linspace(0, original, n, endpoint=False)
        timesteps = new float[n];
        for (int i = 0; i < n; i++) {
            int index = (int) Math.floor(i * step);
            timesteps[i] = (float) ((original - index) * k - 1);
        }
        numInferenceSteps = n;
        stepIndex = -1;
    }

    /**
     * The consistency model's boundary-condition scalings at timestep t (LCM eq. 9 with Consistency Models'
     * c_skip(t) = σ_data²/(t'² + σ_data²), c_out(t) = t'/sqrt(t'² + σ_data²), t' = timestep_scaling·t), float32.
     */
    private float[] boundaryScalings(int timestep) {
        float scaled = timestep * timestepScaling;
        float denominator = scaled * scaled + SIGMA_DATA * SIGMA_DATA;
        float cSkip = SIGMA_DATA * SIGMA_DATA / denominator;
        float cOut = scaled / NoiseSchedule.sqrt(denominator);
        return new float[] {cSkip, cOut};
    }

    @Override
    public StepOutput step(NDArray modelOutput, float t, NDArray sample, TorchGenerator generator) {
        requireTimesteps();
        if (stepIndex < 0) {
            stepIndex = indexOf(timesteps, t, "LCMScheduler");
        }
        if (stepIndex >= timesteps.length) {
            throw new IllegalStateException("LCMScheduler: the schedule is finished; call setTimesteps");
        }
        int timestep = discrete(t);
        boolean last = stepIndex == timesteps.length - 1;
        int prevTimestep = last ? timestep : (int) timesteps[stepIndex + 1];
        float alphaProdT = alphasCumprod[timestep];
        float alphaProdTPrev = alphaCumprodPrev(prevTimestep, finalAlphaCumprod);
        float[] c = boundaryScalings(timestep);
        StepOutput out = StepOutput.scoped(sample, () -> {
            NDArray predOriginal = clipSample(predictOriginal(modelOutput, sample, alphaProdT));
            // LCM eq. 9: f_θ(x_t, t) = c_skip(t)·x_t + c_out(t)·x̂₀
            NDArray denoised = predOriginal.mul(c[1]).add(sample.mul(c[0]));
            if (last) {
                return new StepOutput(denoised.duplicate(), denoised);
            }
            // Algorithm 1, line 5: x_{t'} = sqrt(ᾱ_{t'})·x̂₀ + sqrt(1 − ᾱ_{t'})·z, z ~ N(0, I)
            NDArray noise = randnLike(generator, modelOutput, "LCMScheduler");
            NDArray prev = denoised.mul(NoiseSchedule.sqrt(alphaProdTPrev))
                    .add(noise.mul(NoiseSchedule.sqrt(1f - alphaProdTPrev)));
            return new StepOutput(prev, denoised);
        });
        stepIndex++;
        return out;
    }
}
