package dev.diffusion4j.vae;

import ai.djl.ndarray.NDArray;

/**
 * The encoder's latent distribution N(mean, std²) per element, from moments split along channels; logvar is clamped
 * to [-30, 20] as in the LDM code so exp stays finite.
 */
public record DiagonalGaussianDistribution(NDArray mean, NDArray logvar, NDArray std) {

    static DiagonalGaussianDistribution of(NDArray moments) {
        long c = moments.getShape().get(1) / 2;
        NDArray mean = moments.get(":, 0:" + c);
        NDArray logvar = moments.get(":, " + c + ":").clip(-30f, 20f);
        return new DiagonalGaussianDistribution(mean, logvar, logvar.mul(0.5f).exp());
    }

    /** {@code mean + std · noise}, with noise of the mean's shape (drawn by the caller from its generator). */
    public NDArray sample(NDArray noise) {
        return mean.add(std.mul(noise));
    }

    /** KL divergence to N(0, 1), summed over all but the batch axis (the LDM regulariser). */
    public NDArray kl() {
        NDArray var = logvar.exp();
        return mean.square().add(var).sub(1f).sub(logvar).mul(0.5f).sum(new int[] {1, 2, 3});
    }
}
