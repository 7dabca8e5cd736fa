package dev.diffusion4j.unet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import dev.diffusion4j.nn.Container;
import dev.diffusion4j.nn.LayerNorm;
import dev.diffusion4j.nn.Linear;
import dev.diffusion4j.nn.Module;
import dev.diffusion4j.nn.ModuleList;
import dev.diffusion4j.tensor.Ops;
import dev.diffusion4j.tensor.Scopes;

/**
 * diffusers' BasicTransformerBlock: pre-LN self-attention, cross-attention on the text embedding, and a GEGLU
 * feed-forward ({@code ff.net.0.proj} → {@code h · gelu(gate)} → {@code ff.net.2}), each with a residual.
 */
final class BasicTransformerBlock extends Module {

    private final LayerNorm norm1;
    private final Attention attn1;
    private final LayerNorm norm2;
    private final Attention attn2;
    private final LayerNorm norm3;
    private final Linear geglu_proj;
    private final Linear ff_out;

    BasicTransformerBlock(long dim, int heads, long headDim, long crossAttentionDim) {
        norm1 = child("norm1", new LayerNorm(dim, 1e-5f));
        attn1 = child("attn1", new Attention(dim, dim, heads, headDim));
        norm2 = child("norm2", new LayerNorm(dim, 1e-5f));
        attn2 = child("attn2", new Attention(dim, crossAttentionDim, heads, headDim));
        norm3 = child("norm3", new LayerNorm(dim, 1e-5f));
        long inner = dim * 4;
        ModuleList<Module> net = child("ff", new Container()).add("net", new ModuleList<>());
        geglu_proj = net.add(new Container()).add("proj", new Linear(dim, inner * 2));
        net.add(new Container()); // net.1 is a Dropout: no weights
        ff_out = net.add(new Linear(inner, dim));
    }

    NDArray forward(NDArray input, NDArray context) {
        return Scopes.scoped(() -> {
            NDArray x = input;
            x = attn1.forward(norm1.forward(x), null).add(x);
            x = attn2.forward(norm2.forward(x), context).add(x);
            NDArray proj = geglu_proj.forward(norm3.forward(x));
            NDList hg = proj.split(2, proj.getShape().dimension() - 1);
            return ff_out.forward(hg.get(0).mul(Ops.gelu(hg.get(1)))).add(x);
        });
    }
}
