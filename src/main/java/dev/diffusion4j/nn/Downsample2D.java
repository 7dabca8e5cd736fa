package dev.diffusion4j.nn;

import ai.djl.ndarray.NDArray;
import dev.diffusion4j.tensor.Ops;

/**
 * diffusers' Downsample2D with a conv: 3×3 stride 2. With {@code padding = 0} (the VAE encoder) the input is first
 * padded asymmetrically by (0, 1, 0, 1), as the original LDM code does.
 */
public final class Downsample2D extends Module {

    private final Conv2d conv;
    private final int padding;

    public Downsample2D(long channels, int padding) {
        this.padding = padding;
        conv = child("conv", new Conv2d(channels, channels, 3, 2, padding));
    }

    public NDArray forward(NDArray x) {
        return conv.forward(padding == 0 ? Ops.pad2d(x, 0, 1, 0, 1) : x);
    }
}
