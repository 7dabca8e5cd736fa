package dev.diffusion4j.vae;

import ai.djl.ndarray.NDArray;
import dev.diffusion4j.nn.Conv2d;
import dev.diffusion4j.nn.GroupNorm;
import dev.diffusion4j.nn.Module;
import dev.diffusion4j.nn.ModuleList;
import dev.diffusion4j.tensor.Ops;
import dev.diffusion4j.tensor.Scopes;

/** The VAE encoder: image → (mean, logvar) moments, {@code 2·latent_channels} channels at 1/scaleFactor size. */
final class Encoder extends Module {

    private final Conv2d conv_in;
    private final ModuleList<DownEncoderBlock2D> down_blocks = child("down_blocks", new ModuleList<>());
    private final UNetMidBlock2D mid_block;
    private final GroupNorm conv_norm_out;
    private final Conv2d conv_out;

    Encoder(AutoencoderKLConfig c) {
        int[] boc = c.blockOutChannels();
        int g = c.normNumGroups();
        conv_in = child("conv_in", new Conv2d(c.inChannels(), boc[0], 3, 1, 1));
        long out = boc[0];
        for (int i = 0; i < boc.length; i++) {
            long in = out;
            out = boc[i];
            down_blocks.add(new DownEncoderBlock2D(in, out, c.layersPerBlock(), g, i < boc.length - 1));
        }
        mid_block = child("mid_block", new UNetMidBlock2D(out, g));
        conv_norm_out = child("conv_norm_out", new GroupNorm(g, out, 1e-6f));
        conv_out = child("conv_out", new Conv2d(out, 2L * c.latentChannels(), 3, 1, 1));
    }

    NDArray forward(NDArray image) {
        NDArray x = Scopes.then(image, image, conv_in::forward);
        for (DownEncoderBlock2D block : down_blocks.items()) {
            x = Scopes.then(x, image, block::forward);
        }
        x = Scopes.then(x, image, mid_block::forward);
        return Scopes.then(x, image, h -> conv_out.forward(Ops.silu(conv_norm_out.forward(h))));
    }
}
