package dev.diffusion4j.unet;

import ai.djl.ndarray.NDArray;
import dev.diffusion4j.nn.Module;
import dev.diffusion4j.nn.ModuleList;
import java.util.List;

/**
 * diffusers' DownBlock2D and, with attentions, CrossAttnDownBlock2D: resnets (each followed by a Transformer2DModel
 * when cross-attention is on) and an optional stride-2 downsampler. Every intermediate output is kept as a skip
 * connection for the up path.
 */
final class DownBlock2D extends Module {

    private final ModuleList<ResnetBlock2D> resnets = child("resnets", new ModuleList<>());
    private final ModuleList<Transformer2DModel> attentions;
    private final Downsample2D downsampler;

    DownBlock2D(UNet2DConditionConfig c, int i, long in, long out, boolean addDownsample) {
        boolean cross = c.downBlockTypes()[i].equals("CrossAttnDownBlock2D");
        attentions = cross ? child("attentions", new ModuleList<>()) : null;
        for (int j = 0; j < c.layersPerBlock()[i]; j++) {
            resnets.add(new ResnetBlock2D(j == 0 ? in : out, out, c.timeEmbedDim(), c.normNumGroups(), c.normEps(), 1f));
            if (cross) {
                int heads = c.numAttentionHeads()[i];
                attentions.add(new Transformer2DModel(heads, out / heads, out, c.transformerLayersPerBlock()[i],
                        c.crossAttentionDim(), c.normNumGroups(), c.useLinearProjection()));
            }
        }
        downsampler = addDownsample
                ? child("downsamplers", new ModuleList<Downsample2D>()).add(new Downsample2D(out, c.downsamplePadding()))
                : null;
    }

    NDArray forward(NDArray x, NDArray temb, NDArray context, List<NDArray> skips) {
        for (int j = 0; j < resnets.size(); j++) {
            x = resnets.get(j).forward(x, temb);
            if (attentions != null) {
                x = attentions.get(j).forward(x, context);
            }
            skips.add(x);
        }
        if (downsampler != null) {
            x = downsampler.forward(x);
            skips.add(x);
        }
        return x;
    }
}
