package dev.diffusion4j.train;

/**
 * Per-sample weights of the diffusion loss as a function of the timestep's signal-to-noise ratio
 * SNR(t) = ᾱ_t / (1 − ᾱ_t). Plain ε MSE weighs an error in the predicted clean image by SNR(t), so the high-noise
 * steps where a sampler decides an object's place and number barely count; both options shift weight there. The
 * v-prediction loss ‖v − v_θ‖² weighs it by SNR(t) + 1, so each option divides by SNR + 1 where ε divides by SNR
 * (diffusers' and sd-scripts' v-prediction forms), which also keeps the weights finite at SNR = 0 (zero terminal SNR).
 *
 * @param snrGamma Min-SNR-γ (Hang et al. 2023; diffusers' {@code --snr_gamma}): min(SNR, γ)/SNR for ε,
 *     min(SNR, γ)/(SNR + 1) for v, capping the easy low-noise steps (0: off)
 * @param debiased debiased estimation (Yu et al. 2024; kohya sd-scripts' {@code --debiased_estimation_loss}):
 *     1/√SNR for ε, 1/(SNR + 1) for v, with SNR capped at 1000, raising the high-noise steps (t = 999 of SD's
 *     schedule: ×14.6 for ε); multiplies with Min-SNR when both are on, as in sd-scripts
 */
public record LossWeighting(float snrGamma, boolean debiased) {

    /** Plain ε MSE. */
    public static final LossWeighting NONE = new LossWeighting(0, false);

    /** sd-scripts' cap on the SNR that 1/√SNR sees, so the weight of the cleanest steps stays ≥ 1/√1000. */
    static final double DEBIASED_SNR_CAP = 1000;

    public LossWeighting {
        if (!(snrGamma >= 0)) {
            throw new IllegalArgumentException("--snr-gamma must be ≥ 0 (0: off), got " + snrGamma);
        }
    }

    public boolean isNone() {
        return snrGamma == 0 && !debiased;
    }

    /**
     * The weight of each sample, whose timesteps index {@code alphasCumprod}; {@code vPrediction}: the loss is on
     * v = √ᾱ·ε − √(1−ᾱ)·x₀ instead of ε.
     */
    public float[] weights(float[] alphasCumprod, float[] timesteps, boolean vPrediction) {
        float[] w = new float[timesteps.length];
        for (int i = 0; i < w.length; i++) {
            double ab = alphasCumprod[(int) timesteps[i]];
            double snr = ab / (1 - ab);
            double weight = snrGamma > 0 ? Math.min(snr, snrGamma) / (vPrediction ? snr + 1 : snr) : 1;
            if (debiased) {
                double capped = Math.min(snr, DEBIASED_SNR_CAP);
                weight /= vPrediction ? capped + 1 : Math.sqrt(capped);
            }
            w[i] = (float) weight;
        }
        return w;
    }
}
