package dev.diffusion4j.unet;

import ai.djl.ndarray.NDArray;
import dev.diffusion4j.nn.Module;
import dev.diffusion4j.nn.ModuleList;
import dev.diffusion4j.nn.ResnetBlock2D;
import dev.diffusion4j.nn.Upsample2D;
import dev.diffusion4j.tensor.Ops;
import java.util.List;

/**
 * diffusers' UpBlock2D: {@code layers + 1} resnets, each fed the previous output concatenated with the matching
 * down-path skip, and an optional upsampler. {@link CrossAttnUpBlock2D} adds a transformer after each resnet.
 */
class UpBlock2D extends Module {

    private final ModuleList<ResnetBlock2D> resnets = child("resnets", new ModuleList<>());
    private final Upsample2D upsampler;

    /** The block of {@code c.upBlockTypes()[i]}. */
    static UpBlock2D of(UNet2DConditionConfig c, int i, long in, long out, long prevOut, boolean addUpsample) {
        return c.upBlockTypes()[i].equals("CrossAttnUpBlock2D")
                ? new CrossAttnUpBlock2D(c, i, in, out, prevOut, addUpsample)
                : new UpBlock2D(c, i, in, out, prevOut, addUpsample);
    }

    /**
     * @param i index into the reversed per-block lists
     * @param prevOut channels coming from the block below; {@code in} the channels of this block's last skip
     */
    UpBlock2D(UNet2DConditionConfig c, int i, long in, long out, long prevOut, boolean addUpsample) {
        int n = c.blockOutChannels().length;
        int rev = n - 1 - i;
        int layers = c.layersPerBlock()[rev] + 1;
        for (int j = 0; j < layers; j++) {
            long skip = j == layers - 1 ? in : out;
            long resIn = j == 0 ? prevOut : out;
            resnets.add(new ResnetBlock2D(resIn + skip, out, c.timeEmbedDim(), c.normNumGroups(), c.normEps(), 1f));
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
            x = afterResnet(j, resnets.get(j).forward(Ops.cat(1, x, skip), temb), context);
        }
        if (upsampler != null) {
            // the next skip fixes the size when the down path rounded an odd size
            NDArray next = skips.isEmpty() ? null : skips.get(skips.size() - 1);
            x = upsampler.forward(x, next == null ? 0 : next.getShape().get(2), next == null ? 0 : next.getShape().get(3));
        }
        return x;
    }

    /** What follows resnet {@code j}: nothing here, its transformer in a cross-attention block. */
    NDArray afterResnet(int j, NDArray x, NDArray context) {
        return x;
    }
}
