package dev.diffusion4j.schedulers;

import ai.djl.ndarray.NDArray;
import dev.diffusion4j.tensor.Scopes;
import dev.diffusion4j.tensor.Tensors;
import java.util.List;

/**
 * What the VP-parametrised exponential-integrator solvers of diffusers 0.25 share (DPM-Solver multistep and
 * singlestep, DEIS, UniPC): the σ = sqrt((1 − ᾱ)/ᾱ) schedule of {@link VpGrid} over integer timesteps, the sample
 * x_t = α_t·x₀ + σ_t·ε with α_t = 1/sqrt(σ² + 1) and σ_t = σ·α_t (so {@code init_noise_sigma} is 1 and the model
 * input is not scaled), the model outputs converted to x̂₀ or ε̂ and remembered for the higher orders, the position
 * in the schedule found from the first timestep passed, and the count of steps taken that caps the order while the
 * history fills up ({@code lower_order_nums}).
 */
abstract class VpMultistepScheduler extends DiscreteTimeScheduler implements SigmaSchedule {

    /** σ(t) for t = 0..T−1, float32, and its log. */
    final float[] trainSigmas;
    final float[] logSigmas;
    /** The converted model outputs of the last solver_order steps, newest first. */
    final StepHistory modelOutputs;
    /** The schedule's σ, one per timestep plus the final one (σ(0), or σmin with Karras sigmas). */
    float[] sigmas = new float[0];
    /** Index of the current timestep, or −1 until the first step. */
    int stepIndex = -1;
    /** Steps taken so far, up to solver_order: the highest order the history allows. */
    int lowerOrderNums;

    /**
     * @param takesRescaleBetasZeroSnr whether this class keeps a zero-terminal-SNR schedule's first σ finite (the
     *                                 multistep DPM-Solver, as diffusers ≥ 0.27)
     */
    VpMultistepScheduler(SchedulerConfig config, boolean takesRescaleBetasZeroSnr) {
        super(config, "epsilon", "sample", "v_prediction");
        if (takesRescaleBetasZeroSnr) {
            keepTerminalSigmaFinite();
        }
        this.trainSigmas = NoiseSchedule.sigmas(alphasCumprod);
        this.logSigmas = NoiseSchedule.log(trainSigmas);
        this.modelOutputs = new StepHistory(this.config.solverOrder());
    }

    /**
     * diffusers' constructors of these solvers take each other's algorithm and solver names and register their own
     * instead: the config's {@code key} ({@code value}) stays if {@code supported} lists it, becomes
     * {@code replacement} if {@code sibling} does, and fails naming {@code who} otherwise.
     */
    static SchedulerConfig ownName(SchedulerConfig c, String who, String key, String value, List<String> supported,
                                   List<String> sibling, String replacement) {
        if (sibling.contains(value)) {
            return c.with(key, replacement);
        }
        if (!supported.contains(value)) {
            throw new IllegalArgumentException(who + ": " + key + " '" + value + "' is not supported ("
                    + String.join(", ", supported) + ")");
        }
        return c;
    }

    /**
     * Takes {@code grid} as the schedule with its table σ, or with use_karras_sigmas the Karras ramp and its
     * timesteps instead, and starts over (position unknown, no history).
     */
    void setSchedule(double[] grid, int numInferenceSteps) {
        if (config.useKarrasSigmas()) {
            VpGrid.Karras k = VpGrid.karras(config, trainSigmas, logSigmas, numInferenceSteps);
            grid = k.timesteps();
            sigmas = k.sigmas();
        } else {
            sigmas = VpGrid.tableSigmas(grid, trainSigmas);
        }
        timesteps = Tensors.toFloats(grid);
        this.numInferenceSteps = timesteps.length;
        stepIndex = -1;
        lowerOrderNums = 0;
        releaseHistory();
    }

    /** The config's timestep_spacing over the whole training range (DEIS, UniPC; the DPM-Solvers clip it first). */
    @Override
    public void setTimesteps(int numInferenceSteps) {
        setSchedule(VpGrid.timesteps(config, numInferenceSteps), numInferenceSteps);
    }

    /** The σ schedule: one per timestep and the final one (σ(0), or σmin with Karras sigmas). */
    @Override
    public float[] sigmas() {
        return sigmas.clone();
    }

    /** α_t and σ_t at schedule index {@code index}. */
    VpGrid.Vp vp(int index) {
        return VpGrid.Vp.of(sigmas[index]);
    }

    /** Finds the position from the first timestep passed; fails once the schedule is done. */
    void initStepIndex(float t) {
        requireTimesteps();
        if (stepIndex < 0) {
            stepIndex = VpGrid.indexOf(timesteps, t);
        }
        if (stepIndex >= timesteps.length) {
            throw new IllegalStateException(config.className() + ": the schedule is finished; call setTimesteps");
        }
    }

    /**
     * The order of the current multistep update: solver_order, less while the history fills up, and with
     * lower_order_final on a schedule of fewer than 15 steps first order at the last step and at most second order at
     * the one before ({@code eulerAtFinal}: first order at the last step whatever the count).
     */
    int multistepOrder(boolean eulerAtFinal) {
        int n = timesteps.length;
        boolean lowerOrderFinal = stepIndex == n - 1 && (eulerAtFinal || (config.lowerOrderFinal() && n < 15));
        boolean lowerOrderSecond = stepIndex == n - 2 && config.lowerOrderFinal() && n < 15;
        int order = config.solverOrder();
        if (order == 1 || lowerOrderNums < 1 || lowerOrderFinal) {
            return 1;
        }
        if (order == 2 || lowerOrderNums < 2 || lowerOrderSecond) {
            return 2;
        }
        return 3;
    }

    /** After a step: one more output in the history, the next timestep, and the history released at the end. */
    void advance() {
        if (lowerOrderNums < config.solverOrder()) {
            lowerOrderNums++;
        }
        stepIndex++;
        if (stepIndex == timesteps.length) {
            releaseHistory();
        }
    }

    /**
     * The model output at the current σ as the data prediction x̂₀ (DPM-Solver++, eq. 9: x̂₀ = (x_t − σ_t·ε̂)/α_t,
     * v as x̂₀ = α_t·x_t − σ_t·v) or, without {@code dataPrediction}, as the noise prediction ε̂ (DPM-Solver);
     * always a new array.
     */
    NDArray convertModelOutput(NDArray modelOutput, NDArray sample, boolean dataPrediction) {
        VpGrid.Vp s = vp(stepIndex);
        if (dataPrediction) {
            return switch (config.predictionType()) {
                case "epsilon" -> sample.sub(modelOutput.mul(s.sigma())).div(s.alpha());
                case "sample" -> modelOutput.duplicate();
                default -> sample.mul(s.alpha()).sub(modelOutput.mul(s.sigma()));
            };
        }
        return switch (config.predictionType()) {
            case "epsilon" -> modelOutput.duplicate();
            case "sample" -> sample.sub(modelOutput.mul(s.alpha())).div(s.sigma());
            default -> modelOutput.mul(s.alpha()).add(sample.mul(s.sigma()));
        };
    }

    /** Closes the remembered outputs (subclasses that keep a sample too release it here). */
    void releaseHistory() {
        modelOutputs.close();
    }

    /** x_t = α_t·x₀ + σ_t·ε with α_t, σ_t from the schedule's σ at {@code t}. */
    @Override
    public NDArray addNoise(NDArray original, NDArray noise, float t) {
        requireTimesteps();
        VpGrid.Vp vp = vp(VpGrid.indexOf(timesteps, t));
        return Scopes.scopedLike(original, () -> original.mul(vp.alpha()).add(noise.mul(vp.sigma())));
    }

    @Override
    public void close() {
        releaseHistory();
    }
}
