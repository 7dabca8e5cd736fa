package dev.diffusion4j.unet;

import ai.djl.ndarray.NDArray;
import dev.diffusion4j.nn.ModuleList;

/** diffusers' CrossAttnUpBlock2D: an {@link UpBlock2D} whose every resnet is followed by a Transformer2DModel. */
final class CrossAttnUpBlock2D extends UpBlock2D {

    private final ModuleList<Transformer2DModel> attentions = child("attentions", new ModuleList<>());

    CrossAttnUpBlock2D(UNet2DConditionConfig c, int i, long in, long out, long prevOut, boolean addUpsample) {
        super(c, i, in, out, prevOut, addUpsample);
        int rev = c.blockOutChannels().length - 1 - i;
        int heads = c.numAttentionHeads()[rev];
        for (int j = 0; j < resnetCount(); j++) {
            attentions.add(new Transformer2DModel(heads, out / heads, out, c.transformerLayersPerBlock()[rev],
                    c.crossAttentionDim(), c.normNumGroups(), c.useLinearProjection()));
        }
    }

    @Override
    NDArray afterResnet(int j, NDArray x, NDArray context) {
        return attentions.get(j).forward(x, context);
    }
}
