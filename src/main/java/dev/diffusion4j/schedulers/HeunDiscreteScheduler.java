package dev.diffusion4j.schedulers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import dev.diffusion4j.random.TorchGenerator;
import java.util.List;

/**
 * Heun's method (Karras et al. 2022, Algorithm 1), diffusers' {@code HeunDiscreteScheduler}: each step is an Euler
 * step to σ_next followed by a correction that averages the two slopes, so every timestep after the first is listed
 * twice in {@link #timesteps()} (2N−1 model calls for N steps; {@link #order()} is 2) and the last step is a plain
 * Euler step to σ = 0. Karras sigmas (with optional sigma_min/sigma_max); prediction types epsilon, v_prediction,
 * sample; clip_sample.
 */
public final class HeunDiscreteScheduler extends SigmaScheduler {

    /** The registry entry: diffusers 0.25.1 defaults; A1111's "Heun". */
    static final SchedulerSpec SPEC = new SchedulerSpec("HeunDiscreteScheduler", SchedulerSpec.defaults(0.00085, 0.012,
            "prediction_type", "epsilon", "use_karras_sigmas", false, "clip_sample", false,
            "clip_sample_range", 1.0, "timestep_spacing", "linspace", "steps_offset", 0.0),
            HeunDiscreteScheduler::new, List.of(SamplerSpec.of("heun", "Heun")));

    private NDArray prevDerivative;
    private NDArray firstSample;
    private float dt;

    public HeunDiscreteScheduler(SchedulerConfig config) {
        super(config, "epsilon", "v_prediction", "sample");
    }

    @Override
    public void setTimesteps(int numInferenceSteps) {
        Schedule schedule = schedule(numInferenceSteps, config.sigmaMin(), config.sigmaMax());
        float[] ts = schedule.timesteps();
        float[] once = schedule.sigmas();
        int n = ts.length;
        sigmas = new float[2 * n];
        timesteps = new float[2 * n - 1];
        sigmas[0] = once[0];
        timesteps[0] = ts[0];
        for (int i = 1; i < n; i++) {
            sigmas[2 * i - 1] = once[i];
            sigmas[2 * i] = once[i];
            timesteps[2 * i - 1] = ts[i];
            timesteps[2 * i] = ts[i];
        }
        sigmas[2 * n - 1] = once[n];
        stepIndex = -1;
        close();
    }

    @Override
    public int order() {
        return 2;
    }

    private boolean inFirstOrder() {
        return prevDerivative == null;
    }

    @Override
    public StepOutput step(NDArray modelOutput, float t, NDArray sample, TorchGenerator generator) {
        initStepIndex(t);
        requireStepsLeft();
        boolean first = inFirstOrder();
        float sigma = first ? sigmas[stepIndex] : sigmas[stepIndex - 1];
        float sigmaNext = first ? sigmas[stepIndex + 1] : sigmas[stepIndex];
        StepOutput out = StepOutput.scoped(sample, () -> {
            NDArray predOriginal = clipSample(predictOriginal(modelOutput, sample, first ? sigma : sigmaNext));
            NDArray prev;
            if (first) {
                // Karras et al. 2022, Algorithm 1, lines 5-6: d_i = (x_i − x̂₀)/σ_i, Euler to σ_{i+1}
                NDArray derivative = sample.sub(predOriginal).div(sigma);
                dt = sigmaNext - sigma;
                prevDerivative = derivative;
                firstSample = sample.duplicate();
                NDScope.unregister(prevDerivative, firstSample);
                prev = sample.add(derivative.mul(dt));
            } else {
                // lines 7-8: d' = (x_{i+1} − x̂₀)/σ_{i+1}, x_{i+1} = x_i + (σ_{i+1} − σ_i)·(d_i + d')/2
                NDArray derivative = sample.sub(predOriginal).div(sigmaNext);
                derivative = prevDerivative.add(derivative).div(2f);
                prev = firstSample.add(derivative.mul(dt));
                close();
            }
            return new StepOutput(prev, null);
        });
        stepIndex++;
        if (stepIndex == timesteps.length) {
            close();
        }
        return out;
    }

    @Override
    public void close() {
        if (prevDerivative != null) {
            prevDerivative.close();
            firstSample.close();
        }
        prevDerivative = null;
        firstSample = null;
    }
}
