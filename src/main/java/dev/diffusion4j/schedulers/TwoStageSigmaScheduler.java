package dev.diffusion4j.schedulers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import dev.diffusion4j.random.TorchGenerator;

/**
 * The second-order k-diffusion samplers of diffusers 0.25 (Heun, KDPM2, KDPM2 ancestral): each step from σ_i makes
 * two model calls, the first at x_i and the second at an intermediate sample, so the tables list the intermediate
 * points between the steps' ({@link #order()} is 2, 2N−1 calls for N steps) and x_i is kept from the first call to
 * the second (diffusers' {@code self.sample}, {@code state_in_first_order}).
 */
abstract class TwoStageSigmaScheduler extends SigmaScheduler {

    /** x_i, kept between the two model calls of a step; null while the next call is a step's first. */
    NDArray firstSample;

    TwoStageSigmaScheduler(SchedulerConfig config, String... predictionTypes) {
        super(config, predictionTypes);
    }

    @Override
    public int order() {
        return 2;
    }

    /** diffusers' {@code state_in_first_order}: the next model call is the first of a step. */
    boolean inFirstOrder() {
        return firstSample == null;
    }

    /** The first model call of the step at {@link #stepIndex}: the intermediate sample the second call sees. */
    abstract NDArray firstStage(NDArray modelOutput, NDArray sample, TorchGenerator generator);

    /**
     * The second model call (at {@link #stepIndex}, one past the step's first entry): the step's result from
     * {@link #firstSample}.
     */
    abstract NDArray secondStage(NDArray modelOutput, NDArray sample, TorchGenerator generator);

    @Override
    public StepOutput step(NDArray modelOutput, float t, NDArray sample, TorchGenerator generator) {
        initStepIndex(t);
        requireStepsLeft();
        boolean first = inFirstOrder();
        StepOutput out = StepOutput.scoped(sample, () -> {
            NDArray prev;
            if (first) {
                prev = firstStage(modelOutput, sample, generator);
                firstSample = sample.duplicate();
                NDScope.unregister(firstSample);
            } else {
                prev = secondStage(modelOutput, sample, generator);
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

    /** Forgets the kept state, so the next call is a step's first. */
    @Override
    public void close() {
        if (firstSample != null) {
            firstSample.close();
        }
        firstSample = null;
    }

    /** diffusers' interleaving of a per-step table: [x₀, x₁, x₁, …, x_N, x_N, x_N]. */
    static float[] interleave(float[] x) {
        int n = x.length;
        float[] out = new float[2 * n];
        out[0] = x[0];
        for (int i = 1; i < n; i++) {
            out[2 * i - 1] = x[i];
            out[2 * i] = x[i];
        }
        out[2 * n - 1] = x[n - 1];
        return out;
    }

    /** [t₀, mid_{offset}, t₁, mid_{offset+1}, t₂, …, t_{N−1}]: each midpoint's timestep before the step's next one. */
    static float[] interleaveTimesteps(float[] ts, float[] mid, int offset) {
        int n = ts.length;
        float[] out = new float[2 * n - 1];
        out[0] = ts[0];
        for (int k = 1; k < n; k++) {
            out[2 * k - 1] = mid[k - 1 + offset];
            out[2 * k] = ts[k];
        }
        return out;
    }
}
