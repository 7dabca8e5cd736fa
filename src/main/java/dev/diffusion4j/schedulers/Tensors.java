package dev.diffusion4j.schedulers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.diffusion4j.random.TorchGenerator;
import java.util.function.Supplier;

/** NDArray plumbing shared by the schedulers: ownership of results, noise draws, positions in the schedule. */
final class Tensors {

    private Tensors() {}

    /**
     * Runs {@code body} in its own {@link NDScope}, so every temporary it makes is closed, and hands the arrays of its
     * result to the caller: moved into {@code like}'s manager and registered with the caller's scope, if any.
     */
    static StepOutput scoped(NDArray like, Supplier<StepOutput> body) {
        StepOutput out;
        try (NDScope scope = new NDScope()) {
            out = body.get();
            keep(out.prevSample(), like);
            keep(out.predOriginalSample(), like);
        }
        NDScope.register(out.prevSample());
        if (out.predOriginalSample() != null) {
            NDScope.register(out.predOriginalSample());
        }
        return out;
    }

    /** {@link #scoped(NDArray, Supplier)} for a single array. */
    static NDArray scopedArray(NDArray like, Supplier<NDArray> body) {
        return scoped(like, () -> new StepOutput(body.get(), null)).prevSample();
    }

    private static void keep(NDArray result, NDArray like) {
        if (result != null) {
            NDScope.unregister(result);
            result.attach(like.getManager());
        }
    }

    /** A standard-normal array shaped like {@code like}, drawn as diffusers' {@code randn_tensor} draws it. */
    static NDArray randnLike(TorchGenerator generator, NDArray like, String who) {
        if (generator == null) {
            throw new IllegalArgumentException(who + ".step draws noise: pass the generation's TorchGenerator");
        }
        Shape shape = like.getShape();
        return generator.randn(like.getManager(), shape);
    }

    /** Index of {@code t} in {@code timesteps}, the second occurrence if it is listed twice (diffusers 0.25). */
    static int indexOf(float[] timesteps, float t, String who) {
        int first = -1;
        for (int i = 0; i < timesteps.length; i++) {
            if (timesteps[i] == t) {
                if (first >= 0) {
                    return i;
                }
                first = i;
            }
        }
        if (first < 0) {
            throw new IllegalArgumentException(who + ": timestep " + t + " is not in the schedule; call setTimesteps"
                    + " and pass one of timesteps()");
        }
        return first;
    }

    static float[] toFloats(double[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (float) values[i];
        }
        return out;
    }
}
