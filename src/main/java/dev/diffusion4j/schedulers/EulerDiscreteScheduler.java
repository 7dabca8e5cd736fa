package dev.diffusion4j.schedulers;

import ai.djl.ndarray.NDArray;
import dev.diffusion4j.numerics.SleefFloat;
import dev.diffusion4j.random.TorchGenerator;
import java.util.List;

/**
 * Euler's method on the probability-flow ODE (Karras et al. 2022, Algorithm 2 without churn), diffusers'
 * {@code EulerDiscreteScheduler} (A1111's "Euler"). Karras sigmas ({@code use_karras_sigmas}, with optional
 * {@code sigma_min}/{@code sigma_max}); prediction types epsilon, v_prediction, sample; timestep_type "continuous"
 * (t = ¼·ln σ) for v-prediction models. Churn (s_churn &gt; 0) is not offered: every step is the deterministic Euler
 * step, yet each step draws one noise tensor from the generator, as diffusers does, so that a shared generator stays
 * in step with diffusers.
 */
public final class EulerDiscreteScheduler extends SigmaScheduler {

    /** The registry entry: diffusers 0.25.1 defaults; A1111's "Euler". */
    static final SchedulerSpec SPEC = new SchedulerSpec("EulerDiscreteScheduler", SchedulerSpec.defaults(0.0001, 0.02,
            "prediction_type", "epsilon", "interpolation_type", "linear", "use_karras_sigmas", false,
            "sigma_min", null, "sigma_max", null, "timestep_spacing", "linspace", "timestep_type", "discrete",
            "steps_offset", 0.0, "rescale_betas_zero_snr", false),
            EulerDiscreteScheduler::new, List.of(SamplerSpec.of("euler", "Euler")));

    public EulerDiscreteScheduler(SchedulerConfig config) {
        super(config, "epsilon", "v_prediction", "sample");
        if (!config.interpolationType().equals("linear")) {
            throw new UnsupportedOperationException("EulerDiscreteScheduler: interpolation_type '"
                    + config.interpolationType() + "' is not supported (linear)");
        }
    }

    @Override
    public void setTimesteps(int numInferenceSteps) {
        Schedule schedule = schedule(numInferenceSteps, config.sigmaMin(), config.sigmaMax());
        float[] ts = schedule.timesteps();
        sigmas = schedule.sigmas();
        if (config.timestepType().equals("continuous") && config.predictionType().equals("v_prediction")) {
            for (int i = 0; i < ts.length; i++) {
                ts[i] = 0.25f * SleefFloat.log(sigmas[i]);
            }
        }
        timesteps = ts;
        stepIndex = -1;
    }

    @Override
    public StepOutput step(NDArray modelOutput, float t, NDArray sample, TorchGenerator generator) {
        initStepIndex(t);
        requireStepsLeft();
        float sigma = sigmas[stepIndex];
        float sigmaNext = sigmas[stepIndex + 1];
        StepOutput out = StepOutput.scoped(sample, () -> {
            if (generator != null) {
                // diffusers draws ε for the churn even when γ = 0 and the draw is unused
                randnLike(generator, modelOutput, "EulerDiscreteScheduler");
            }
            NDArray predOriginal = predictOriginal(modelOutput, sample, sigma);
            // Karras et al. 2022, Algorithm 2, lines 7-8: d = (x − x̂₀)/σ, x_next = x + (σ_next − σ)·d
            NDArray derivative = sample.sub(predOriginal).div(sigma);
            NDArray prev = sample.add(derivative.mul(sigmaNext - sigma));
            return new StepOutput(prev, predOriginal);
        });
        stepIndex++;
        return out;
    }
}
