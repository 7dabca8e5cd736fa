package dev.diffusion4j.nn;

import ai.djl.ndarray.NDArray;
import dev.diffusion4j.tensor.Ops;

/** torch.nn.LayerNorm over the last dimension with affine {@code weight}/{@code bias}. */
public final class LayerNorm extends Module {

    final Parameter weight;
    final Parameter bias;
    private final float eps;

    public LayerNorm(long dim, float eps) {
        this.weight = param("weight", dim);
        this.bias = param("bias", dim);
        this.eps = eps;
    }

    public NDArray forward(NDArray x) {
        return Ops.layerNorm(x, weight.array(), bias.array(), eps);
    }
}
