package dev.diffusion4j.schedulers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import dev.diffusion4j.random.TorchGenerator;
import java.util.Arrays;
import java.util.List;

/**
 * Heun's method (Karras et al. 2022, Algorithm 1), diffusers' {@code HeunDiscreteScheduler}: each step is an Euler
 * step to σ_next followed by a correction that averages the two slopes, so every timestep after the first is listed
 * twice in {@link #timesteps()} (2N−1 model calls for N steps; {@link #order()} is 2) and the last step is a plain
 * Euler step to σ = 0. Karras sigmas (with optional sigma_min/sigma_max); prediction types epsilon, v_prediction,
 * sample; clip_sample.
 */
public final class HeunDiscreteScheduler extends TwoStageSigmaScheduler {

    /** The registry entry: diffusers 0.25.1 defaults; A1111's "Heun". */
    static final SchedulerSpec SPEC = new SchedulerSpec("HeunDiscreteScheduler", SchedulerSpec.defaults(0.00085, 0.012,
            "prediction_type", "epsilon", "use_karras_sigmas", false, "clip_sample", false,
            "clip_sample_range", 1.0, "timestep_spacing", "linspace", "steps_offset", 0.0),
            HeunDiscreteScheduler::new, List.of(SamplerSpec.of("heun", "Heun")));

    /** d_i and σ_{i+1} − σ_i of the step's first call, kept for its second. */
    private NDArray prevDerivative;
    private float dt;

    public HeunDiscreteScheduler(SchedulerConfig config) {
        super(config, "epsilon", "v_prediction", "sample");
    }

    @Override
    public void setTimesteps(int numInferenceSteps) {
        Schedule schedule = schedule(numInferenceSteps, config.sigmaMin(), config.sigmaMax());
        int n = schedule.timesteps().length;
        // every timestep after the first twice, σ likewise, and σ_N (= 0) once at the end
        sigmas = Arrays.copyOf(interleave(schedule.sigmas()), 2 * n);
        timesteps = interleaveTimesteps(schedule.timesteps(), schedule.timesteps(), 1);
        stepIndex = -1;
        close();
    }

    /** Karras et al. 2022, Algorithm 1, lines 5-6: d_i = (x_i − x̂₀)/σ_i, Euler to σ_{i+1}. */
    @Override
    NDArray firstStage(NDArray modelOutput, NDArray sample, TorchGenerator generator) {
        float sigma = sigmas[stepIndex];
        float sigmaNext = sigmas[stepIndex + 1];
        NDArray predOriginal = clipSample(predictOriginal(modelOutput, sample, sigma));
        NDArray derivative = sample.sub(predOriginal).div(sigma);
        dt = sigmaNext - sigma;
        prevDerivative = derivative;
        NDScope.unregister(prevDerivative);
        return sample.add(derivative.mul(dt));
    }

    /** Lines 7-8: d' = (x_{i+1} − x̂₀)/σ_{i+1}, x_{i+1} = x_i + (σ_{i+1} − σ_i)·(d_i + d')/2. */
    @Override
    NDArray secondStage(NDArray modelOutput, NDArray sample, TorchGenerator generator) {
        float sigmaNext = sigmas[stepIndex];
        NDArray predOriginal = clipSample(predictOriginal(modelOutput, sample, sigmaNext));
        NDArray derivative = sample.sub(predOriginal).div(sigmaNext);
        derivative = prevDerivative.add(derivative).div(2f);
        return firstSample.add(derivative.mul(dt));
    }

    @Override
    public void close() {
        super.close();
        if (prevDerivative != null) {
            prevDerivative.close();
        }
        prevDerivative = null;
    }
}
