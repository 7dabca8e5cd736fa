package dev.diffusion4j.unet;

import ai.djl.ndarray.NDArray;
import dev.diffusion4j.nn.Module;
import dev.diffusion4j.nn.ModuleList;
import dev.diffusion4j.nn.ResnetBlock2D;

/** diffusers' UNetMidBlock2DCrossAttn: resnet, then (transformer, resnet) pairs. */
final class UNetMidBlock2DCrossAttn extends Module {

    private final ModuleList<ResnetBlock2D> resnets = child("resnets", new ModuleList<>());
    private final ModuleList<Transformer2DModel> attentions = child("attentions", new ModuleList<>());

    UNetMidBlock2DCrossAttn(UNet2DConditionConfig c) {
        int n = c.blockOutChannels().length;
        long ch = c.blockOutChannels()[n - 1];
        int heads = c.numAttentionHeads()[n - 1];
        resnets.add(new ResnetBlock2D(ch, ch, c.timeEmbedDim(), c.normNumGroups(), c.normEps(), c.midBlockScaleFactor()));
        attentions.add(new Transformer2DModel(heads, ch / heads, ch, c.transformerLayersPerBlock()[n - 1],
                c.crossAttentionDim(), c.normNumGroups(), c.useLinearProjection()));
        resnets.add(new ResnetBlock2D(ch, ch, c.timeEmbedDim(), c.normNumGroups(), c.normEps(), c.midBlockScaleFactor()));
    }

    NDArray forward(NDArray x, NDArray temb, NDArray context) {
        x = resnets.get(0).forward(x, temb);
        for (int i = 0; i < attentions.size(); i++) {
            x = attentions.get(i).forward(x, context);
            x = resnets.get(i + 1).forward(x, temb);
        }
        return x;
    }
}
