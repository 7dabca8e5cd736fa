package dev.diffusion4j.vae;

import ai.djl.ndarray.NDArray;
import dev.diffusion4j.nn.Module;
import dev.diffusion4j.nn.ModuleList;
import dev.diffusion4j.nn.ResnetBlock2D;
import dev.diffusion4j.nn.Upsample2D;
import dev.diffusion4j.tensor.Scopes;

/** diffusers' UpDecoderBlock2D: resnets without time embedding, then an optional nearest-2× upsampler. */
final class UpDecoderBlock2D extends Module {

    private final ModuleList<ResnetBlock2D> resnets = child("resnets", new ModuleList<>());
    private final Upsample2D upsampler;

    UpDecoderBlock2D(long in, long out, int layers, int groups, boolean addUpsample) {
        for (int j = 0; j < layers; j++) {
            resnets.add(new ResnetBlock2D(j == 0 ? in : out, out, 0, groups, 1e-6f, 1f));
        }
        upsampler = addUpsample ? child("upsamplers", new ModuleList<Upsample2D>()).add(new Upsample2D(out)) : null;
    }

    NDArray forward(NDArray input) {
        NDArray x = input;
        for (ResnetBlock2D r : resnets.items()) {
            x = Scopes.then(x, input, h -> r.forward(h, null));
        }
        return upsampler == null ? x : Scopes.then(x, input, h -> upsampler.forward(h, 0, 0));
    }
}
