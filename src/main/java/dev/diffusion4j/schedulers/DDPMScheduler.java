package dev.diffusion4j.schedulers;

import ai.djl.ndarray.NDArray;
import dev.diffusion4j.numerics.SleefFloat;
import dev.diffusion4j.random.TorchGenerator;
import java.util.List;

/**
 * Ancestral sampling of Ho et al. 2020, "Denoising Diffusion Probabilistic Models", diffusers' {@code DDPMScheduler}
 * with strided timesteps: the posterior q(x_{t'} | x_t, x̂₀) between consecutive schedule entries, plus noise from
 * the generator for t &gt; 0. variance_type fixed_small (default), fixed_small_log or fixed_large; prediction types
 * epsilon, sample, v_prediction; clip_sample; beta_schedule also "sigmoid".
 */
public final class DDPMScheduler extends DiscreteTimeScheduler {

    /** The registry entry: diffusers 0.25.1 defaults; ancestral sampling of Ho et al. 2020. */
    static final SchedulerSpec SPEC = new SchedulerSpec("DDPMScheduler", SchedulerSpec.defaults(0.0001, 0.02,
            "variance_type", "fixed_small", "clip_sample", true, "prediction_type", "epsilon",
            "thresholding", false, "dynamic_thresholding_ratio", 0.995, "clip_sample_range", 1.0,
            "sample_max_value", 1.0, "timestep_spacing", "leading", "steps_offset", 0.0,
            "rescale_betas_zero_snr", false),
            DDPMScheduler::new, List.of(SamplerSpec.of("ddpm", "DDPM")));

    public DDPMScheduler(SchedulerConfig config) {
        super(config, "epsilon", "sample", "v_prediction");
        String variance = config.varianceType();
        if (!"fixed_small".equals(variance) && !"fixed_small_log".equals(variance) && !"fixed_large".equals(variance)) {
            throw new UnsupportedOperationException("DDPMScheduler: variance_type '" + variance
                    + "' is not supported (fixed_small, fixed_small_log, fixed_large)");
        }
        rejectThresholding();
    }

    @Override
    public StepOutput step(NDArray modelOutput, float t, NDArray sample, TorchGenerator generator) {
        requireTimesteps();
        int timestep = discrete(t);
        float alphaProdT = alphasCumprod[timestep];
        float alphaProdTPrev = alphaCumprodPrev(timestep - stepRatio(), 1f);
        float betaProdT = 1f - alphaProdT;
        float betaProdTPrev = 1f - alphaProdTPrev;
        float currentAlphaT = alphaProdT / alphaProdTPrev;
        float currentBetaT = 1f - currentAlphaT;
        // DDPM eq. 7: μ̃ = sqrt(ᾱ_{t−1})·β_t/(1 − ᾱ_t)·x₀ + sqrt(α_t)·(1 − ᾱ_{t−1})/(1 − ᾱ_t)·x_t
        float predOriginalCoeff = NoiseSchedule.sqrt(alphaProdTPrev) * currentBetaT / betaProdT;
        float currentSampleCoeff = NoiseSchedule.sqrt(currentAlphaT) * betaProdTPrev / betaProdT;
        return StepOutput.scoped(sample, () -> {
            NDArray predOriginal = clipSample(predictOriginal(modelOutput, sample, alphaProdT));
            NDArray prev = predOriginal.mul(predOriginalCoeff).add(sample.mul(currentSampleCoeff));
            if (timestep > 0) {
                NDArray noise = randnLike(generator, modelOutput, "DDPMScheduler");
                prev = prev.add(noise.mul(standardDeviation(betaProdTPrev, betaProdT, currentBetaT)));
            }
            return new StepOutput(prev, predOriginal);
        });
    }

    /** DDPM eq. 7: β̃_t = (1 − ᾱ_{t−1})/(1 − ᾱ_t)·β_t ("fixed_small"), or β_t itself ("fixed_large"). */
    private float standardDeviation(float betaProdTPrev, float betaProdT, float currentBetaT) {
        float variance = Math.max(betaProdTPrev / betaProdT * currentBetaT, 1e-20f);
        return switch (config.varianceType()) {
            case "fixed_small_log" -> SleefFloat.exp(0.5f * SleefFloat.log(variance));
            case "fixed_large" -> NoiseSchedule.sqrt(currentBetaT);
            default -> NoiseSchedule.sqrt(variance);
        };
    }
}
