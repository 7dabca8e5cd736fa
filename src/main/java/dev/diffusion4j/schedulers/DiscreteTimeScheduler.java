package dev.diffusion4j.schedulers;

import ai.djl.ndarray.NDArray;
import dev.diffusion4j.tensor.Scopes;

/**
 * What the discrete-time schedulers (DDIM, DDPM, PNDM, DPM-Solver) share in diffusers 0.25: the sample is
 * x_t = sqrt(ᾱ_t)·x₀ + sqrt(1 − ᾱ_t)·ε at integer training timesteps, so the initial noise has unit variance and the
 * UNet sees the sample as it is. The schedule is the configured spacing rounded to integers (PNDM reorders it,
 * DPM-Solver spaces its own).
 */
abstract class DiscreteTimeScheduler extends BaseScheduler {

    /** N of the last {@link #setTimesteps} call. */
    int numInferenceSteps;

    DiscreteTimeScheduler(SchedulerConfig config, String... predictionTypes) {
        super(config, predictionTypes);
    }

    /** diffusers' {@code thresholding} (Imagen's dynamic thresholding) is not implemented, so it is refused. */
    void rejectThresholding() {
        if (config.thresholding()) {
            throw new UnsupportedOperationException(config.className() + ": thresholding=true is not supported");
        }
    }

    /** The configured spacing rounded to integer timesteps, descending. */
    float[] roundedSpacing(int numInferenceSteps) {
        double[] grid = NoiseSchedule.spacing(config, numInferenceSteps);
        float[] out = new float[grid.length];
        for (int i = 0; i < grid.length; i++) {
            out[i] = (float) Math.rint(grid[i]);
        }
        return out;
    }

    /** diffusers' DDIM and DDPM {@code set_timesteps}: the rounded spacing as it is. */
    @Override
    public void setTimesteps(int numInferenceSteps) {
        timesteps = roundedSpacing(numInferenceSteps);
        this.numInferenceSteps = numInferenceSteps;
    }

    /** T/N: DDIM, DDPM and PNDM step from t to t − T/N whatever the spacing, as diffusers does. */
    int stepRatio() {
        return config.numTrainTimesteps() / numInferenceSteps;
    }

    /** ᾱ at {@code prevTimestep}, or {@code finalAlphaCumprod} where that falls below 0 (diffusers' ᾱ_{t−1}). */
    float alphaCumprodPrev(int prevTimestep, float finalAlphaCumprod) {
        return prevTimestep >= 0 ? alphasCumprod[prevTimestep] : finalAlphaCumprod;
    }

    /** The integer training timestep {@code t} stands for. */
    int discrete(float t) {
        int i = (int) t;
        if (i != t || i < 0 || i >= config.numTrainTimesteps()) {
            throw new IllegalArgumentException(config.className() + ": timestep " + t
                    + " is not one of its integer training timesteps 0.." + (config.numTrainTimesteps() - 1));
        }
        return i;
    }

    @Override
    public float initNoiseSigma() {
        return 1f;
    }

    @Override
    public NDArray scaleModelInput(NDArray sample, float t) {
        return sample.duplicate();
    }

    /**
     * x̂₀ from the model output at ᾱ_t: DDPM eq. 15 for ε, the output itself for "sample", and
     * x̂₀ = sqrt(ᾱ_t)·x_t − sqrt(1 − ᾱ_t)·v for v (the v-parametrisation of Salimans &amp; Ho 2022).
     */
    NDArray predictOriginal(NDArray modelOutput, NDArray sample, float alphaProdT) {
        float betaProdT = 1f - alphaProdT;
        return switch (config.predictionType()) {
            case "epsilon" -> sample.sub(modelOutput.mul(NoiseSchedule.sqrt(betaProdT)))
                    .div(NoiseSchedule.sqrt(alphaProdT));
            case "sample" -> modelOutput.duplicate();
            default -> sample.mul(NoiseSchedule.sqrt(alphaProdT)).sub(modelOutput.mul(NoiseSchedule.sqrt(betaProdT)));
        };
    }

    /** ε̂ from the model output at ᾱ_t: the output itself (not a copy) for ε, DDPM eq. 4 solved for ε otherwise. */
    NDArray predictEpsilon(NDArray modelOutput, NDArray sample, float alphaProdT) {
        float betaProdT = 1f - alphaProdT;
        return switch (config.predictionType()) {
            case "epsilon" -> modelOutput;
            case "sample" -> sample.sub(modelOutput.mul(NoiseSchedule.sqrt(alphaProdT)))
                    .div(NoiseSchedule.sqrt(betaProdT));
            default -> modelOutput.mul(NoiseSchedule.sqrt(alphaProdT)).add(sample.mul(NoiseSchedule.sqrt(betaProdT)));
        };
    }

    /** DDPM eq. 4, x_t = sqrt(ᾱ_t)·x₀ + sqrt(1 − ᾱ_t)·ε, with ᾱ_t a float32 table entry. */
    @Override
    public NDArray addNoise(NDArray original, NDArray noise, float t) {
        float alphaCumprod = alphasCumprod[discrete(t)];
        return Scopes.scopedLike(original, () -> original.mul(NoiseSchedule.sqrt(alphaCumprod))
                .add(noise.mul(NoiseSchedule.sqrt(1f - alphaCumprod))));
    }
}
