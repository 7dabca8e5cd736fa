package dev.diffusion4j.train;

import ai.djl.ndarray.NDArray;
import java.util.Locale;

/**
 * The autoencoder's pixel loss. L1 is the LDM paper's (there beside LPIPS and a GAN loss); on its own it converges to
 * the per-pixel median, which on sparse images — small coloured objects on black — is black for any colour the
 * latent does not carry yet, so it erases whole hues for a long time. MSE converges to the mean, keeps a gradient
 * towards every hue and learns colours several times sooner; it is the better choice without a perceptual loss.
 */
public enum ReconstructionLoss {
    L1 {
        @Override
        NDArray of(NDArray reconstruction, NDArray target) {
            return reconstruction.sub(target).abs().mean();
        }
    },
    MSE {
        @Override
        NDArray of(NDArray reconstruction, NDArray target) {
            return reconstruction.sub(target).square().mean();
        }
    };

    abstract NDArray of(NDArray reconstruction, NDArray target);

    /** {@code l1} or {@code mse}, any case. */
    public static ReconstructionLoss parse(String name) {
        try {
            return valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown reconstruction loss '" + name + "' (expected l1 or mse)");
        }
    }
}
