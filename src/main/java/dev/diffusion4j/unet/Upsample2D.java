package dev.diffusion4j.unet;

import ai.djl.ndarray.NDArray;
import dev.diffusion4j.nn.Conv2d;
import dev.diffusion4j.nn.Module;
import dev.diffusion4j.tensor.Ops;

/** diffusers' Upsample2D with a conv: nearest-neighbour 2× (or to the skip connection's size), then 3×3 conv. */
public final class Upsample2D extends Module {

    private final Conv2d conv;

    public Upsample2D(long channels) {
        conv = child("conv", new Conv2d(channels, channels, 3, 1, 1));
    }

    /** @param height, width target size, or ≤ 0 for exactly 2× */
    public NDArray forward(NDArray x, long height, long width) {
        NDArray up = Ops.upsampleNearest2x(x);
        if (height > 0 && (up.getShape().get(2) != height || up.getShape().get(3) != width)) {
            up = Ops.upsampleNearest(x, height, width);
        }
        return conv.forward(up);
    }
}
