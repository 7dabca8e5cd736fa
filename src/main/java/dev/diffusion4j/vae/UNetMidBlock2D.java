package dev.diffusion4j.vae;

import ai.djl.ndarray.NDArray;
import dev.diffusion4j.nn.Module;
import dev.diffusion4j.nn.ModuleList;
import dev.diffusion4j.nn.ResnetBlock2D;

/** diffusers' UNetMidBlock2D as the VAE uses it: resnet, single-head attention, resnet; no time embedding. */
final class UNetMidBlock2D extends Module {

    private final ModuleList<ResnetBlock2D> resnets = child("resnets", new ModuleList<>());
    private final VaeAttention attention;

    UNetMidBlock2D(long channels, int groups) {
        resnets.add(new ResnetBlock2D(channels, channels, 0, groups, 1e-6f, 1f));
        attention = child("attentions", new ModuleList<VaeAttention>()).add(new VaeAttention(channels, groups));
        resnets.add(new ResnetBlock2D(channels, channels, 0, groups, 1e-6f, 1f));
    }

    NDArray forward(NDArray x) {
        x = resnets.get(0).forward(x, null);
        x = attention.forward(x);
        return resnets.get(1).forward(x, null);
    }
}
