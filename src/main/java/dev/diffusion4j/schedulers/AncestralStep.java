package dev.diffusion4j.schedulers;

/**
 * The ancestral split of a step from σ_from to σ_to (k-diffusion's {@code get_ancestral_step} with eta = 1, DDPM's
 * posterior in σ form): the deterministic part goes down to σ_down and fresh noise of standard deviation σ_up is
 * added, σ_down² + σ_up² = σ_to², all in float32 as diffusers computes it.
 */
record AncestralStep(float sigmaUp, float sigmaDown) {

    static AncestralStep of(float sigmaFrom, float sigmaTo) {
        float from2 = sigmaFrom * sigmaFrom;
        float to2 = sigmaTo * sigmaTo;
        float up = NoiseSchedule.sqrt(to2 * (from2 - to2) / from2);
        return new AncestralStep(up, NoiseSchedule.sqrt(to2 - up * up));
    }
}
