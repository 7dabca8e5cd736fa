package dev.diffusion4j.vae;

import ai.djl.ndarray.NDArray;
import dev.diffusion4j.nn.Conv2d;
import dev.diffusion4j.nn.GroupNorm;
import dev.diffusion4j.nn.Module;
import dev.diffusion4j.nn.ModuleList;
import dev.diffusion4j.tensor.Ops;
import dev.diffusion4j.tensor.Scopes;

/** The VAE decoder: latents → image in [-1, 1] (unclamped), {@code layers_per_block + 1} resnets per level. */
final class Decoder extends Module {

    private final Conv2d conv_in;
    private final UNetMidBlock2D mid_block;
    private final ModuleList<UpDecoderBlock2D> up_blocks;
    private final GroupNorm conv_norm_out;
    private final Conv2d conv_out;

    Decoder(AutoencoderKLConfig c) {
        int[] boc = c.blockOutChannels();
        int n = boc.length;
        int g = c.normNumGroups();
        conv_in = child("conv_in", new Conv2d(c.latentChannels(), boc[n - 1], 3, 1, 1));
        mid_block = child("mid_block", new UNetMidBlock2D(boc[n - 1], g));
        up_blocks = child("up_blocks", new ModuleList<>());
        long out = boc[n - 1];
        for (int i = 0; i < n; i++) {
            long prev = out;
            out = boc[n - 1 - i];
            up_blocks.add(new UpDecoderBlock2D(prev, out, c.layersPerBlock() + 1, g, i < n - 1));
        }
        conv_norm_out = child("conv_norm_out", new GroupNorm(g, boc[0], 1e-6f));
        conv_out = child("conv_out", new Conv2d(boc[0], c.outChannels(), 3, 1, 1));
    }

    NDArray forward(NDArray z) {
        NDArray x = Scopes.then(z, z, conv_in::forward);
        x = Scopes.then(x, z, mid_block::forward);
        for (UpDecoderBlock2D block : up_blocks.items()) {
            x = Scopes.then(x, z, block::forward);
        }
        return Scopes.then(x, z, h -> conv_out.forward(Ops.silu(conv_norm_out.forward(h))));
    }
}
