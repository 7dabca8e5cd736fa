package dev.diffusion4j.schedulers;

import ai.djl.ndarray.NDArray;
import dev.diffusion4j.random.TorchGenerator;
import java.util.List;

/**
 * Ancestral Euler sampling, diffusers' {@code EulerAncestralDiscreteScheduler} (A1111's "Euler a", k-diffusion's
 * {@code sample_euler_ancestral}): an Euler step down to σ_down, then fresh noise of standard deviation σ_up, so that
 * σ_down² + σ_up² = σ_next². Needs the generator at every step. Prediction types epsilon and v_prediction.
 */
public final class EulerAncestralDiscreteScheduler extends SigmaScheduler {

    /** The registry entry: diffusers 0.25.1 defaults; A1111's "Euler a", k-diffusion's "euler_ancestral". */
    static final SchedulerSpec SPEC = new SchedulerSpec("EulerAncestralDiscreteScheduler",
            SchedulerSpec.defaults(0.0001, 0.02, "prediction_type", "epsilon", "timestep_spacing", "linspace",
                    "steps_offset", 0.0, "rescale_betas_zero_snr", false),
            EulerAncestralDiscreteScheduler::new, List.of(SamplerSpec.of("euler_a", "Euler a", "euler_ancestral")));

    public EulerAncestralDiscreteScheduler(SchedulerConfig config) {
        super(config, "epsilon", "v_prediction");
    }

    @Override
    public void setTimesteps(int numInferenceSteps) {
        timesteps = spacedTimesteps(numInferenceSteps);
        sigmas = withFinalZero(interpolatedSigmas(timesteps));
        stepIndex = -1;
    }

    @Override
    public StepOutput step(NDArray modelOutput, float t, NDArray sample, TorchGenerator generator) {
        if (generator == null) {
            throw new IllegalArgumentException("EulerAncestralDiscreteScheduler.step draws noise: pass the"
                    + " generation's TorchGenerator");
        }
        initStepIndex(t);
        requireStepsLeft();
        float sigmaFrom = sigmas[stepIndex];
        float sigmaTo = sigmas[stepIndex + 1];
        AncestralStep ancestral = AncestralStep.of(sigmaFrom, sigmaTo);
        StepOutput out = StepOutput.scoped(sample, () -> {
            NDArray predOriginal = predictOriginal(modelOutput, sample, sigmaFrom);
            NDArray derivative = sample.sub(predOriginal).div(sigmaFrom);
            NDArray prev = sample.add(derivative.mul(ancestral.sigmaDown() - sigmaFrom));
            NDArray noise = randnLike(generator, modelOutput, "EulerAncestralDiscreteScheduler");
            prev = prev.add(noise.mul(ancestral.sigmaUp()));
            return new StepOutput(prev, predOriginal);
        });
        stepIndex++;
        return out;
    }
}
