package dev.diffusion4j.unet;

import dev.diffusion4j.tensor.Scopes;
import ai.djl.ndarray.NDArray;
import dev.diffusion4j.nn.Conv2d;
import dev.diffusion4j.nn.GroupNorm;
import dev.diffusion4j.nn.Linear;
import dev.diffusion4j.nn.Module;
import dev.diffusion4j.tensor.Ops;

/**
 * diffusers' ResnetBlock2D (time-scale-shift "default"): GroupNorm → SiLU → conv, plus the projected time embedding,
 * GroupNorm → SiLU → conv, with a 1×1 {@code conv_shortcut} when the channel count changes. The VAE uses it without
 * a time embedding.
 */
public final class ResnetBlock2D extends Module {

    private final GroupNorm norm1;
    private final Conv2d conv1;
    private final Linear time_emb_proj;
    private final GroupNorm norm2;
    private final Conv2d conv2;
    private final Conv2d conv_shortcut;
    private final float outputScaleFactor;

    /** @param tembChannels width of the time embedding, or 0 for none (VAE) */
    public ResnetBlock2D(long in, long out, long tembChannels, int groups, float eps, float outputScaleFactor) {
        norm1 = child("norm1", new GroupNorm(groups, in, eps));
        conv1 = child("conv1", new Conv2d(in, out, 3, 1, 1));
        time_emb_proj = tembChannels > 0 ? child("time_emb_proj", new Linear(tembChannels, out)) : null;
        norm2 = child("norm2", new GroupNorm(groups, out, eps));
        conv2 = child("conv2", new Conv2d(out, out, 3, 1, 1));
        conv_shortcut = in != out ? child("conv_shortcut", new Conv2d(in, out, 1, 1, 0)) : null;
        this.outputScaleFactor = outputScaleFactor;
    }

    /** @param temb (B, tembChannels) or null */
    public NDArray forward(NDArray x, NDArray temb) {
        return Scopes.scoped(() -> {
            NDArray h = conv1.forward(Ops.silu(norm1.forward(x)));
            if (time_emb_proj != null) {
                NDArray t = time_emb_proj.forward(Ops.silu(temb));
                h = h.add(t.reshape(t.getShape().get(0), t.getShape().get(1), 1, 1));
            }
            h = conv2.forward(Ops.silu(norm2.forward(h)));
            NDArray shortcut = conv_shortcut != null ? conv_shortcut.forward(x) : x;
            NDArray out = shortcut.add(h);
            return outputScaleFactor == 1f ? out : out.div(outputScaleFactor);
        });
    }
}
