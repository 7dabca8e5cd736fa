package dev.diffusion4j.vae;

import ai.djl.ndarray.NDArray;
import dev.diffusion4j.nn.Downsample2D;
import dev.diffusion4j.nn.Module;
import dev.diffusion4j.nn.ModuleList;
import dev.diffusion4j.nn.ResnetBlock2D;
import dev.diffusion4j.tensor.Scopes;

/** diffusers' DownEncoderBlock2D: resnets without time embedding, then an optional (0,1,0,1)-padded downsampler. */
final class DownEncoderBlock2D extends Module {

    private final ModuleList<ResnetBlock2D> resnets = child("resnets", new ModuleList<>());
    private final Downsample2D downsampler;

    DownEncoderBlock2D(long in, long out, int layers, int groups, boolean addDownsample) {
        for (int j = 0; j < layers; j++) {
            resnets.add(new ResnetBlock2D(j == 0 ? in : out, out, 0, groups, 1e-6f, 1f));
        }
        downsampler = addDownsample
                ? child("downsamplers", new ModuleList<Downsample2D>()).add(new Downsample2D(out, 0)) : null;
    }

    NDArray forward(NDArray input) {
        NDArray x = input;
        for (ResnetBlock2D r : resnets.items()) {
            x = Scopes.then(x, input, h -> r.forward(h, null));
        }
        return downsampler == null ? x : Scopes.then(x, input, downsampler::forward);
    }
}
