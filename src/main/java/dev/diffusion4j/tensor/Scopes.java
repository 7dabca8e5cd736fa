package dev.diffusion4j.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * Frees a computation's temporaries as soon as it returns. DJL releases native memory only when an array is closed,
 * so without this every intermediate of a UNet call lives until the caller's scope ends (at 512×512 that exceeded
 * 24 GB). Blocks wrap their forward in {@link #scoped}: the result moves to the enclosing scope, the rest is closed.
 * Autograd keeps what backward needs on the libtorch side, so this is safe while training too.
 */
public final class Scopes {

    private Scopes() {}

    /**
     * One stage of a chain: {@code stage(x)} in its own scope, then {@code x} closed unless it is {@code keep} (the
     * chain's own input, which belongs to the caller). A chain of full-resolution stages (the VAE decoder at 512×512:
     * 134 MB per activation) then holds one stage's activations at a time instead of all of them.
     */
    public static NDArray then(NDArray x, NDArray keep, UnaryOperator<NDArray> stage) {
        NDArray out = scoped(() -> stage.apply(x));
        if (out != x && x != keep) {
            x.close();
        }
        return out;
    }

    public static NDArray scoped(Supplier<NDArray> computation) {
        NDArray out;
        try (NDScope s = new NDScope()) {
            out = computation.get();
            NDScope.unregister(out);
        }
        NDScope.register(out);
        return out;
    }

    /**
     * {@link #scoped} whose result is moved into {@code like}'s manager: what a scheduler returns belongs to the
     * caller of {@code step}, in the manager of the sample it passed, not to whichever manager made the result.
     */
    public static NDArray scopedLike(NDArray like, Supplier<NDArray> computation) {
        NDArray out;
        try (NDScope s = new NDScope()) {
            out = computation.get();
            keepIn(out, like);
        }
        NDScope.register(out);
        return out;
    }

    /**
     * Inside an {@link NDScope}: exempts {@code result} from the scope and attaches it to {@code like}'s manager
     * (the caller registers it with its own scope afterwards). Null is ignored.
     */
    public static void keepIn(NDArray result, NDArray like) {
        if (result != null) {
            NDScope.unregister(result);
            result.attach(like.getManager());
        }
    }
}
