package dev.diffusion4j.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.diffusion4j.nn.GroupNorm;
import dev.diffusion4j.nn.Linear;
import dev.diffusion4j.nn.Module;
import dev.diffusion4j.nn.ModuleList;
import dev.diffusion4j.tensor.ScaledDotProductAttention;
import dev.diffusion4j.tensor.Scopes;

/**
 * The VAE mid-block's single-head spatial self-attention (diffusers' Attention with {@code group_norm},
 * {@code residual_connection}): GroupNorm (eps 1e-6), q/k/v/out with biases over the H·W tokens, plus the input.
 * Older checkpoints name the same weights {@code query/key/value/proj_attn}; {@link AutoencoderKL} maps them.
 */
final class VaeAttention extends Module {

    private final GroupNorm group_norm;
    private final Linear to_q;
    private final Linear to_k;
    private final Linear to_v;
    private final Linear to_out0;
    private final float scale;

    VaeAttention(long channels, int groups) {
        group_norm = child("group_norm", new GroupNorm(groups, channels, 1e-6f));
        to_q = child("to_q", new Linear(channels, channels));
        to_k = child("to_k", new Linear(channels, channels));
        to_v = child("to_v", new Linear(channels, channels));
        to_out0 = child("to_out", new ModuleList<Linear>()).add(new Linear(channels, channels));
        scale = (float) Math.pow(channels, -0.5);
    }

    NDArray forward(NDArray x) {
        return Scopes.scoped(() -> {
            Shape s = x.getShape();
            long b = s.get(0);
            long c = s.get(1);
            NDArray t = group_norm.forward(x).reshape(b, c, -1).transpose(0, 2, 1);
            NDArray a = ScaledDotProductAttention.multiHead(to_q.forward(t), to_k.forward(t), to_v.forward(t), 1, scale, false);
            return to_out0.forward(a).transpose(0, 2, 1).reshape(s).add(x);
        });
    }
}
