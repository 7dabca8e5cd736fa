package dev.diffusion4j.schedulers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import dev.diffusion4j.tensor.Scopes;
import java.util.function.Supplier;

/**
 * The result of one {@link Scheduler#step}: new arrays owned by the caller, in the manager of the {@code sample}
 * passed to the step. Close both when done with them.
 *
 * @param prevSample x_{t−1}, the sample at the previous (less noisy) timestep
 * @param predOriginalSample the predicted x₀ where the scheduler computes one (DDIM, DDPM, LMS, Euler, Euler
 *     ancestral), else null (PNDM, Heun, DPM-Solver)
 */
public record StepOutput(NDArray prevSample, NDArray predOriginalSample) {

    /**
     * Runs {@code body} in its own {@link NDScope}, so every temporary it makes is closed, and hands the arrays of its
     * result to the caller: moved into {@code like}'s manager and registered with the caller's scope, if any.
     */
    static StepOutput scoped(NDArray like, Supplier<StepOutput> body) {
        StepOutput out;
        try (NDScope scope = new NDScope()) {
            out = body.get();
            Scopes.keepIn(out.prevSample(), like);
            Scopes.keepIn(out.predOriginalSample(), like);
        }
        NDScope.register(out.prevSample());
        if (out.predOriginalSample() != null) {
            NDScope.register(out.predOriginalSample());
        }
        return out;
    }
}
