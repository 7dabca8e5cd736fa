package dev.diffusion4j.nn;

import ai.djl.ndarray.NDArray;
import dev.diffusion4j.tensor.Ops;

/** torch.nn.Conv2d with square kernel, stride and padding: {@code weight (out, in, k, k)}, {@code bias (out)}. */
public final class Conv2d extends Module {

    final Parameter weight;
    final Parameter bias;
    private final int stride;
    private final int padding;

    public Conv2d(long in, long out, int kernel, int stride, int padding) {
        this.weight = param("weight", out, in, kernel, kernel);
        this.bias = param("bias", out);
        this.stride = stride;
        this.padding = padding;
    }

    public NDArray forward(NDArray x) {
        return Ops.conv2d(x, weight.array(), bias.array(), stride, padding);
    }
}
