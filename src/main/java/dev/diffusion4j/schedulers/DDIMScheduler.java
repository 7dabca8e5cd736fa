package dev.diffusion4j.schedulers;

import ai.djl.ndarray.NDArray;
import dev.diffusion4j.random.TorchGenerator;
import java.util.List;

/**
 * DDIM (Song et al. 2021, "Denoising Diffusion Implicit Models"), diffusers' {@code DDIMScheduler}: eta = 0 is the
 * deterministic sampler, eta &gt; 0 adds noise from the generator (eta = 1 is DDPM-like). Timestep spacing
 * "leading" (default), "trailing" or "linspace"; prediction types epsilon, sample, v_prediction; clip_sample.
 */
public final class DDIMScheduler extends DiscreteTimeScheduler {

    /** The registry entry: diffusers 0.25.1 defaults; A1111's "DDIM". */
    static final SchedulerSpec SPEC = new SchedulerSpec("DDIMScheduler", SchedulerSpec.defaults(0.0001, 0.02,
            "clip_sample", true, "set_alpha_to_one", true, "steps_offset", 0.0, "prediction_type", "epsilon",
            "thresholding", false, "dynamic_thresholding_ratio", 0.995, "clip_sample_range", 1.0,
            "sample_max_value", 1.0, "timestep_spacing", "leading", "rescale_betas_zero_snr", false),
            DDIMScheduler::new, List.of(SamplerSpec.of("ddim", "DDIM")));

    private final float eta;
    private final float finalAlphaCumprod;

    /** Deterministic DDIM (eta = 0). */
    public DDIMScheduler(SchedulerConfig config) {
        this(config, 0.0);
    }

    /** DDIM with the given eta (diffusers passes it to every {@code step}; the pipelines' {@code eta}). */
    public DDIMScheduler(SchedulerConfig config, double eta) {
        super(config, "epsilon", "sample", "v_prediction");
        rejectThresholding();
        if (eta < 0) {
            throw new IllegalArgumentException("DDIMScheduler: eta must be >= 0, got " + eta);
        }
        this.eta = (float) eta;
        this.finalAlphaCumprod = config.setAlphaToOne() ? 1f : alphasCumprod[0];
    }

    @Override
    public StepOutput step(NDArray modelOutput, float t, NDArray sample, TorchGenerator generator) {
        requireTimesteps();
        int timestep = discrete(t);
        float alphaProdT = alphasCumprod[timestep];
        // DDIM eq. 12 steps from t to t - T/N whatever the spacing, as diffusers does
        float alphaProdTPrev = alphaCumprodPrev(timestep - stepRatio(), finalAlphaCumprod);
        float betaProdT = 1f - alphaProdT;
        return StepOutput.scoped(sample, () -> {
            NDArray predOriginal = clipSample(predictOriginal(modelOutput, sample, alphaProdT));
            NDArray predEpsilon = predictEpsilon(modelOutput, sample, alphaProdT);
            // DDIM eq. 16: σ_t(η) = η·sqrt((1 − ᾱ_{t−1})/(1 − ᾱ_t))·sqrt(1 − ᾱ_t/ᾱ_{t−1})
            float variance = (1f - alphaProdTPrev) / betaProdT * (1f - alphaProdT / alphaProdTPrev);
            float stdDevT = eta * NoiseSchedule.sqrt(variance);
            // DDIM eq. 12: x_{t−1} = sqrt(ᾱ_{t−1})·x̂₀ + sqrt(1 − ᾱ_{t−1} − σ_t²)·ε̂ + σ_t·z
            NDArray direction = predEpsilon.mul(NoiseSchedule.sqrt(1f - alphaProdTPrev - stdDevT * stdDevT));
            NDArray prev = predOriginal.mul(NoiseSchedule.sqrt(alphaProdTPrev)).add(direction);
            if (eta > 0) {
                NDArray noise = randnLike(generator, modelOutput, "DDIMScheduler(eta > 0)");
                prev = prev.add(noise.mul(stdDevT));
            }
            return new StepOutput(prev, predOriginal);
        });
    }
}
