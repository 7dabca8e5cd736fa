package dev.diffusion4j.schedulers;

import ai.djl.ndarray.NDArray;
import dev.diffusion4j.random.TorchGenerator;
import java.util.List;

/**
 * What every scheduler here shares: a config of its own class with a prediction type it implements, the training
 * noise schedule ᾱ_t that config defines, and the schedule of the last {@link #setTimesteps} call.
 */
abstract class BaseScheduler implements Scheduler {

    final SchedulerConfig config;
    /** ᾱ_t for t = 0..T−1, float32. */
    final float[] alphasCumprod;
    /** The schedule in calling order; empty until {@link #setTimesteps}. */
    float[] timesteps = new float[0];

    /** Fails fast unless {@code config} is for this class and its prediction_type is one of {@code predictionTypes}. */
    BaseScheduler(SchedulerConfig config, String... predictionTypes) {
        String className = getClass().getSimpleName();
        if (!config.className().equals(className)) {
            throw new IllegalArgumentException(className + " needs a " + className + " config, got "
                    + config.className() + " (use config.fromConfig(\"" + className + "\", overrides))");
        }
        if (!List.of(predictionTypes).contains(config.predictionType())) {
            throw new IllegalArgumentException(className + ": prediction_type '" + config.predictionType()
                    + "' is not supported, expected one of " + List.of(predictionTypes));
        }
        this.config = config;
        this.alphasCumprod = NoiseSchedule.alphasCumprod(NoiseSchedule.betas(config));
    }

    /**
     * For the samplers that work with σ = sqrt((1 − ᾱ)/ᾱ): a zero-terminal-SNR schedule ends at ᾱ_T = 0, σ = ∞, so
     * diffusers keeps the last σ finite with ᾱ_T = 2⁻²⁴ (σ ≈ 4096).
     */
    final void keepTerminalSigmaFinite() {
        if (config.rescaleBetasZeroSnr()) {
            alphasCumprod[alphasCumprod.length - 1] = 0x1p-24f;
        }
    }

    @Override
    public SchedulerConfig config() {
        return config;
    }

    @Override
    public float[] timesteps() {
        return timesteps.clone();
    }

    @Override
    public int order() {
        return 1;
    }

    void requireTimesteps() {
        if (timesteps.length == 0) {
            throw new IllegalStateException(config.className() + ": call setTimesteps first");
        }
    }

    /** clip_sample: x̂₀ clamped to ±clip_sample_range (only for configs that have the key). */
    NDArray clipSample(NDArray predOriginal) {
        if (!config.clipSample()) {
            return predOriginal;
        }
        float r = (float) config.clipSampleRange();
        return predOriginal.clip(-r, r);
    }

    /** A standard-normal array shaped like {@code like}, drawn as diffusers' {@code randn_tensor} draws it. */
    static NDArray randnLike(TorchGenerator generator, NDArray like, String who) {
        if (generator == null) {
            throw new IllegalArgumentException(who + ".step draws noise: pass the generation's TorchGenerator");
        }
        return generator.randn(like.getManager(), like.getShape());
    }

    /** Index of {@code t} in {@code timesteps}, the second occurrence if it is listed twice (diffusers 0.25). */
    static int indexOf(float[] timesteps, float t, String who) {
        int first = -1;
        for (int i = 0; i < timesteps.length; i++) {
            if (timesteps[i] == t) {
                if (first >= 0) {
                    return i;
                }
                first = i;
            }
        }
        if (first < 0) {
            throw new IllegalArgumentException(who + ": timestep " + t + " is not in the schedule; call setTimesteps"
                    + " and pass one of timesteps()");
        }
        return first;
    }

    /** Nothing to release unless a subclass keeps step history. */
    @Override
    public void close() {}
}
