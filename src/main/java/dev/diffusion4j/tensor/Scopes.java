package dev.diffusion4j.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import java.util.function.Supplier;

/**
 * Frees a computation's temporaries as soon as it returns. DJL releases native memory only when an array is closed,
 * so without this every intermediate of a UNet call lives until the caller's scope ends (at 512×512 that exceeded
 * 24 GB). Blocks wrap their forward in {@link #scoped}: the result moves to the enclosing scope, the rest is closed.
 * Autograd keeps what backward needs on the libtorch side, so this is safe while training too.
 */
public final class Scopes {

    private Scopes() {}

    public static NDArray scoped(Supplier<NDArray> computation) {
        NDArray out;
        try (NDScope s = new NDScope()) {
            out = computation.get();
            NDScope.unregister(out);
        }
        NDScope.register(out);
        return out;
    }
}
