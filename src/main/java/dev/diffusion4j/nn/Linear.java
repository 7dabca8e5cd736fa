package dev.diffusion4j.nn;

import ai.djl.ndarray.NDArray;
import dev.diffusion4j.tensor.Ops;

/** torch.nn.Linear: {@code weight (out, in)}, optional {@code bias (out)}. */
public final class Linear extends Module {

    public final long inFeatures;
    public final long outFeatures;
    final Parameter weight;
    final Parameter bias;

    public Linear(long inFeatures, long outFeatures, boolean bias) {
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        this.weight = param("weight", outFeatures, inFeatures);
        this.bias = bias ? param("bias", outFeatures) : null;
    }

    public Linear(long inFeatures, long outFeatures) {
        this(inFeatures, outFeatures, true);
    }

    public NDArray forward(NDArray x) {
        return Ops.linear(x, weight.array(), bias == null ? null : bias.array());
    }
}
