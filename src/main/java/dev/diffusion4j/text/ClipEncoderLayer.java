package dev.diffusion4j.text;

import ai.djl.ndarray.NDArray;
import dev.diffusion4j.nn.Container;
import dev.diffusion4j.nn.LayerNorm;
import dev.diffusion4j.nn.Linear;
import dev.diffusion4j.nn.Module;
import dev.diffusion4j.tensor.Ops;
import dev.diffusion4j.tensor.ScaledDotProductAttention;
import dev.diffusion4j.tensor.Scopes;

/** CLIPEncoderLayer: pre-LN self-attention then pre-LN MLP, each with a residual. */
final class ClipEncoderLayer extends Module {

    private final Container self_attn = child("self_attn", new Container());
    private final Linear q_proj;
    private final Linear k_proj;
    private final Linear v_proj;
    private final Linear out_proj;
    private final LayerNorm layer_norm1;
    private final Container mlp = new Container();
    private final Linear fc1;
    private final Linear fc2;
    private final LayerNorm layer_norm2;
    private final ClipTextConfig config;

    ClipEncoderLayer(ClipTextConfig c) {
        this.config = c;
        long d = c.hiddenSize();
        k_proj = self_attn.add("k_proj", new Linear(d, d));
        v_proj = self_attn.add("v_proj", new Linear(d, d));
        q_proj = self_attn.add("q_proj", new Linear(d, d));
        out_proj = self_attn.add("out_proj", new Linear(d, d));
        layer_norm1 = child("layer_norm1", new LayerNorm(d, c.layerNormEps()));
        child("mlp", mlp);
        fc1 = mlp.add("fc1", new Linear(d, c.intermediateSize()));
        fc2 = mlp.add("fc2", new Linear(c.intermediateSize(), d));
        layer_norm2 = child("layer_norm2", new LayerNorm(d, c.layerNormEps()));
    }

    /** @param x (B, L, D) hidden states; the attention is causal (no padding mask, as Stable Diffusion uses it) */
    NDArray forward(NDArray input) {
        return Scopes.scoped(() -> {
            NDArray x = input;
            NDArray h = layer_norm1.forward(x);
            // transformers scales q before the product: q = q_proj(x) * head_dim^-0.5
            NDArray q = q_proj.forward(h).mul((float) Math.pow(config.headDim(), -0.5));
            NDArray attn = ScaledDotProductAttention.multiHead(q, k_proj.forward(h), v_proj.forward(h), config.numAttentionHeads(), 1f, true);
            x = x.add(out_proj.forward(attn));
            h = fc1.forward(layer_norm2.forward(x));
            h = config.hiddenAct().equals("gelu") ? Ops.gelu(h) : Ops.quickGelu(h);
            return x.add(fc2.forward(h));
        });
    }
}
