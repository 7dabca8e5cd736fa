package dev.diffusion4j.nn;

import ai.djl.ndarray.NDArray;
import dev.diffusion4j.tensor.Ops;

/** torch.nn.GroupNorm with affine {@code weight}/{@code bias} per channel. */
public final class GroupNorm extends Module {

    final Parameter weight;
    final Parameter bias;
    private final int groups;
    private final float eps;

    public GroupNorm(int groups, long channels, float eps) {
        if (channels % groups != 0) {
            throw new IllegalArgumentException(channels + " channels do not split into " + groups + " groups");
        }
        this.weight = param("weight", channels);
        this.bias = param("bias", channels);
        this.groups = groups;
        this.eps = eps;
    }

    public NDArray forward(NDArray x) {
        return Ops.groupNorm(x, groups, weight.array(), bias.array(), eps);
    }
}
