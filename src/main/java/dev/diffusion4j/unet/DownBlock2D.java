package dev.diffusion4j.unet;

import ai.djl.ndarray.NDArray;
import dev.diffusion4j.nn.Downsample2D;
import dev.diffusion4j.nn.Module;
import dev.diffusion4j.nn.ModuleList;
import dev.diffusion4j.nn.ResnetBlock2D;
import java.util.List;

/**
 * diffusers' DownBlock2D: resnets and an optional stride-2 downsampler. Every intermediate output is kept as a skip
 * connection for the up path. {@link CrossAttnDownBlock2D} adds a transformer after each resnet.
 */
class DownBlock2D extends Module {

    private final ModuleList<ResnetBlock2D> resnets = child("resnets", new ModuleList<>());
    private final Downsample2D downsampler;

    /** The block of {@code c.downBlockTypes()[i]}. */
    static DownBlock2D of(UNet2DConditionConfig c, int i, long in, long out, boolean addDownsample) {
        return c.downBlockTypes()[i].equals("CrossAttnDownBlock2D")
                ? new CrossAttnDownBlock2D(c, i, in, out, addDownsample) : new DownBlock2D(c, i, in, out, addDownsample);
    }

    DownBlock2D(UNet2DConditionConfig c, int i, long in, long out, boolean addDownsample) {
        for (int j = 0; j < c.layersPerBlock()[i]; j++) {
            resnets.add(new ResnetBlock2D(j == 0 ? in : out, out, c.timeEmbedDim(), c.normNumGroups(), c.normEps(), 1f));
        }
        downsampler = addDownsample
                ? child("downsamplers", new ModuleList<Downsample2D>()).add(new Downsample2D(out, c.downsamplePadding()))
                : null;
    }

    NDArray forward(NDArray x, NDArray temb, NDArray context, List<NDArray> skips) {
        for (int j = 0; j < resnets.size(); j++) {
            x = afterResnet(j, resnets.get(j).forward(x, temb), context);
            skips.add(x);
        }
        if (downsampler != null) {
            x = downsampler.forward(x);
            skips.add(x);
        }
        return x;
    }

    /** What follows resnet {@code j}: nothing here, its transformer in a cross-attention block. */
    NDArray afterResnet(int j, NDArray x, NDArray context) {
        return x;
    }
}
