package dev.diffusion4j.nn;

import ai.djl.ndarray.NDArray;
import dev.diffusion4j.tensor.Ops;
import dev.diffusion4j.tensor.Scopes;

/** diffusers' Upsample2D with a conv: nearest-neighbour 2× (or to the skip connection's size), then 3×3 conv. */
public final class Upsample2D extends Module {

    private final Conv2d conv;

    public Upsample2D(long channels) {
        conv = child("conv", new Conv2d(channels, channels, 3, 1, 1));
    }

    /** @param height, width target size, or ≤ 0 for exactly 2× */
    public NDArray forward(NDArray x, long height, long width) {
        return Scopes.scoped(() -> {
            boolean exactly2x = height <= 0 || (height == 2 * x.getShape().get(2) && width == 2 * x.getShape().get(3));
            NDArray up = exactly2x ? Ops.upsampleNearest2x(x) : Ops.upsampleNearest(x, height, width);
            return conv.forward(up);
        });
    }
}
