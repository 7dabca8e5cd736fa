package dev.diffusion4j.unet;

import ai.djl.ndarray.NDArray;
import dev.diffusion4j.nn.Module;
import dev.diffusion4j.nn.ModuleList;
import dev.diffusion4j.tensor.Ops;
import java.util.List;

/**
 * diffusers' UpBlock2D and, with attentions, CrossAttnUpBlock2D: {@code layers + 1} resnets, each fed the previous
 * output concatenated with the matching down-path skip, optional transformers, and an optional upsampler.
 */
final class UpBlock2D extends Module {

    private final ModuleList<ResnetBlock2D> resnets = child("resnets", new ModuleList<>());
    private final ModuleList<Transformer2DModel> attentions;
    private final Upsample2D upsampler;

    /**
     * @param i index into the reversed per-block lists
     * @param prevOut channels coming from the block below; {@code in} the channels of this block's last skip
     */
    UpBlock2D(UNet2DConditionConfig c, int i, long in, long out, long prevOut, boolean addUpsample) {
        int n = c.blockOutChannels().length;
        int rev = n - 1 - i;
        boolean cross = c.upBlockTypes()[i].equals("CrossAttnUpBlock2D");
        attentions = cross ? child("attentions", new ModuleList<>()) : null;
        int layers = c.layersPerBlock()[rev] + 1;
        for (int j = 0; j < layers; j++) {
            long skip = j == layers - 1 ? in : out;
            long resIn = j == 0 ? prevOut : out;
            resnets.add(new ResnetBlock2D(resIn + skip, out, c.timeEmbedDim(), c.normNumGroups(), c.normEps(), 1f));
            if (cross) {
                int heads = c.numAttentionHeads()[rev];
                attentions.add(new Transformer2DModel(heads, out / heads, out, c.transformerLayersPerBlock()[rev],
                        c.crossAttentionDim(), c.normNumGroups(), c.useLinearProjection()));
            }
        }
        upsampler = addUpsample ? child("upsamplers", new ModuleList<Upsample2D>()).add(new Upsample2D(out)) : null;
    }

    int resnetCount() {
        return resnets.size();
    }

    /** Consumes this block's skips from the end of {@code skips}. */
    NDArray forward(NDArray x, NDArray temb, NDArray context, List<NDArray> skips) {
        for (int j = 0; j < resnets.size(); j++) {
            NDArray skip = skips.remove(skips.size() - 1);
            x = resnets.get(j).forward(Ops.cat(1, x, skip), temb);
            if (attentions != null) {
                x = attentions.get(j).forward(x, context);
            }
        }
        if (upsampler != null) {
            // the next skip fixes the size when the down path rounded an odd size
            NDArray next = skips.isEmpty() ? null : skips.get(skips.size() - 1);
            x = upsampler.forward(x, next == null ? 0 : next.getShape().get(2), next == null ? 0 : next.getShape().get(3));
        }
        return x;
    }
}
