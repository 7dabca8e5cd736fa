package dev.diffusion4j.unet;

import ai.djl.ndarray.NDArray;
import dev.diffusion4j.nn.ModuleList;

/** diffusers' CrossAttnDownBlock2D: a {@link DownBlock2D} whose every resnet is followed by a Transformer2DModel. */
final class CrossAttnDownBlock2D extends DownBlock2D {

    private final ModuleList<Transformer2DModel> attentions = child("attentions", new ModuleList<>());

    CrossAttnDownBlock2D(UNet2DConditionConfig c, int i, long in, long out, boolean addDownsample) {
        super(c, i, in, out, addDownsample);
        int heads = c.numAttentionHeads()[i];
        for (int j = 0; j < c.layersPerBlock()[i]; j++) {
            attentions.add(new Transformer2DModel(heads, out / heads, out, c.transformerLayersPerBlock()[i],
                    c.crossAttentionDim(), c.normNumGroups(), c.useLinearProjection()));
        }
    }

    @Override
    NDArray afterResnet(int j, NDArray x, NDArray context) {
        return attentions.get(j).forward(x, context);
    }
}
