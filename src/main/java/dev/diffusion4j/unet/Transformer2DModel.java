package dev.diffusion4j.unet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.diffusion4j.nn.Conv2d;
import dev.diffusion4j.nn.GroupNorm;
import dev.diffusion4j.nn.Linear;
import dev.diffusion4j.nn.Module;
import dev.diffusion4j.nn.ModuleList;
import dev.diffusion4j.tensor.Scopes;

/**
 * diffusers' Transformer2DModel for continuous inputs: GroupNorm (eps 1e-6), {@code proj_in} (1×1 conv for SD 1.x,
 * linear for SD 2.x's {@code use_linear_projection}), transformer blocks over the H·W tokens, {@code proj_out}, residual.
 */
final class Transformer2DModel extends Module {

    private final GroupNorm norm;
    private final Module proj_in;
    private final ModuleList<BasicTransformerBlock> transformer_blocks = new ModuleList<>();
    private final Module proj_out;
    private final boolean linearProjection;

    Transformer2DModel(int heads, long headDim, long inChannels, int layers, long crossAttentionDim, int groups,
                       boolean linearProjection) {
        long inner = heads * headDim;
        this.linearProjection = linearProjection;
        norm = child("norm", new GroupNorm(groups, inChannels, 1e-6f));
        proj_in = child("proj_in", linearProjection ? new Linear(inChannels, inner) : new Conv2d(inChannels, inner, 1, 1, 0));
        child("transformer_blocks", transformer_blocks);
        for (int i = 0; i < layers; i++) {
            transformer_blocks.add(new BasicTransformerBlock(inner, heads, headDim, crossAttentionDim));
        }
        proj_out = child("proj_out", linearProjection ? new Linear(inner, inChannels) : new Conv2d(inner, inChannels, 1, 1, 0));
    }

    NDArray forward(NDArray x, NDArray context) {
        return Scopes.scoped(() -> {
            Shape s = x.getShape();
            long b = s.get(0);
            long h = s.get(2);
            long w = s.get(3);
            NDArray t = norm.forward(x);
            if (linearProjection) {
                t = ((Linear) proj_in).forward(tokens(t));
            } else {
                t = tokens(((Conv2d) proj_in).forward(t));
            }
            for (BasicTransformerBlock block : transformer_blocks.items()) {
                t = block.forward(t, context);
            }
            if (linearProjection) {
                t = image(((Linear) proj_out).forward(t), b, h, w);
            } else {
                t = ((Conv2d) proj_out).forward(image(t, b, h, w));
            }
            return t.add(x);
        });
    }

    /** (B, C, H, W) → (B, H·W, C). */
    private static NDArray tokens(NDArray x) {
        Shape s = x.getShape();
        return x.transpose(0, 2, 3, 1).reshape(s.get(0), s.get(2) * s.get(3), s.get(1));
    }

    /** (B, H·W, C) → (B, C, H, W). */
    private static NDArray image(NDArray t, long b, long h, long w) {
        return t.reshape(b, h, w, t.getShape().get(2)).transpose(0, 3, 1, 2);
    }
}
