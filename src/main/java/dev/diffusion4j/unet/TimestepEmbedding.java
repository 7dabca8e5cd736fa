package dev.diffusion4j.unet;

import ai.djl.ndarray.NDArray;
import dev.diffusion4j.nn.Linear;
import dev.diffusion4j.nn.Module;
import dev.diffusion4j.tensor.Ops;

/**
 * diffusers' TimestepEmbedding: {@code linear_2(silu(linear_1(x)))}. The UNet's {@code time_embedding} (over the
 * sinusoidal timestep) and SDXL's {@code add_embedding} (over the pooled text embedding and the sinusoidal time ids).
 */
final class TimestepEmbedding extends Module {

    private final Linear linear_1;
    private final Linear linear_2;

    TimestepEmbedding(long in, long timeEmbedDim) {
        linear_1 = child("linear_1", new Linear(in, timeEmbedDim));
        linear_2 = child("linear_2", new Linear(timeEmbedDim, timeEmbedDim));
    }

    NDArray forward(NDArray x) {
        return linear_2.forward(Ops.silu(linear_1.forward(x)));
    }
}
