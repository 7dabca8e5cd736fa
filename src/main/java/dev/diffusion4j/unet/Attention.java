package dev.diffusion4j.unet;

import ai.djl.ndarray.NDArray;
import dev.diffusion4j.nn.Linear;
import dev.diffusion4j.nn.Module;
import dev.diffusion4j.nn.ModuleList;
import dev.diffusion4j.tensor.ScaledDotProductAttention;

/**
 * diffusers' Attention (formerly CrossAttention) as the UNet's transformer blocks use it: bias-free {@code to_q/to_k/to_v},
 * {@code to_out.0} with bias, {@code softmax(q kᵀ / √d) v} per head. Self-attention when no context is given.
 */
public final class Attention extends Module {

    private final Linear to_q;
    private final Linear to_k;
    private final Linear to_v;
    private final Linear to_out0;
    private final int heads;
    private final float scale;

    public Attention(long queryDim, long contextDim, int heads, long headDim) {
        long inner = heads * headDim;
        to_q = child("to_q", new Linear(queryDim, inner, false));
        to_k = child("to_k", new Linear(contextDim, inner, false));
        to_v = child("to_v", new Linear(contextDim, inner, false));
        ModuleList<Linear> to_out = child("to_out", new ModuleList<>());
        to_out0 = to_out.add(new Linear(inner, queryDim));
        this.heads = heads;
        this.scale = (float) Math.pow(headDim, -0.5);
    }

    /** @param context (B, Lk, contextDim) for cross-attention, or null for self-attention */
    public NDArray forward(NDArray x, NDArray context) {
        NDArray ctx = context == null ? x : context;
        NDArray out = ScaledDotProductAttention.multiHead(to_q.forward(x), to_k.forward(ctx), to_v.forward(ctx), heads, scale, false);
        return to_out0.forward(out);
    }
}
