package dev.diffusion4j.schedulers;

import ai.djl.ndarray.NDArray;
import dev.diffusion4j.random.TorchGenerator;
import java.util.List;

/**
 * Ancestral DPM-Solver-2, diffusers' {@code KDPM2AncestralDiscreteScheduler} (A1111's "DPM2 a", k-diffusion's
 * {@code sample_dpm_2_ancestral}): each step splits σ_{i+1} into σ_down and σ_up (σ_down² + σ_up² = σ_{i+1}²), takes
 * the DPM-Solver-2 step from σ_i to σ_down through the midpoint σ_mid = exp((log σ_i + log σ_down)/2), then adds
 * fresh noise of standard deviation σ_up. Like {@link KDPM2DiscreteScheduler} the midpoints' timesteps are
 * interleaved (2N−1 model calls, {@link #order()} 2). As in diffusers, a noise tensor is drawn from the generator at
 * every model call, though only the second call of a step uses it. Karras sigmas; epsilon and v_prediction.
 */
public final class KDPM2AncestralDiscreteScheduler extends TwoStageSigmaScheduler {

    /** The registry entry: diffusers 0.25.1 defaults; A1111's "DPM2 a", k-diffusion's "dpm_2_ancestral". */
    static final SchedulerSpec SPEC = new SchedulerSpec("KDPM2AncestralDiscreteScheduler",
            SchedulerSpec.defaults(0.00085, 0.012, "use_karras_sigmas", false, "prediction_type", "epsilon",
                    "timestep_spacing", "linspace", "steps_offset", 0.0),
            KDPM2AncestralDiscreteScheduler::new,
            List.of(SamplerSpec.of("dpm2_a", "DPM2 a", "dpm_2_ancestral", "dpm2_ancestral", "kdpm2_a")));

    /** σ_mid, σ_up and σ_down of each step, interleaved like {@link #sigmas}. */
    private float[] sigmasInterpol = new float[0];
    private float[] sigmasUp = new float[0];
    private float[] sigmasDown = new float[0];

    public KDPM2AncestralDiscreteScheduler(SchedulerConfig config) {
        super(config, "epsilon", "v_prediction");
    }

    @Override
    public void setTimesteps(int numInferenceSteps) {
        Schedule schedule = KDPM2DiscreteScheduler.roundedSchedule(this, numInferenceSteps);
        float[] s = schedule.sigmas();
        int n = schedule.timesteps().length;
        float[] up = new float[n + 1];
        float[] down = new float[n + 1];
        float[] interpol = new float[n + 1];
        for (int i = 0; i <= n; i++) {
            // past the final σ = 0 the split is 0/0: σ_up NaN as in diffusers' table, σ_down 0
            AncestralStep ancestral = AncestralStep.of(s[i], i < n ? s[i + 1] : 0f);
            up[i] = ancestral.sigmaUp();
            down[i] = i < n ? ancestral.sigmaDown() : 0f;
            // the last two steps (to σ = 0, and past it) have no midpoint
            interpol[i] = i < n - 1 ? KDPM2DiscreteScheduler.logMidpoint(s[i], down[i]) : 0f;
        }
        sigmas = interleave(s);
        sigmasInterpol = interleave(interpol);
        sigmasUp = interleave(up);
        sigmasDown = interleave(down);
        timesteps = interleaveTimesteps(schedule.timesteps(),
                KDPM2DiscreteScheduler.timestepsOf(interpol, logSigmas), 0);
        stepIndex = -1;
        close();
    }

    @Override
    public NDArray scaleModelInput(NDArray sample, float t) {
        initStepIndex(t);
        requireStepsLeft();
        float sigma = inFirstOrder() ? sigmas[stepIndex] : sigmasInterpol[stepIndex - 1];
        return sample.div(NoiseSchedule.sqrt(sigma * sigma + 1f));
    }

    @Override
    public StepOutput step(NDArray modelOutput, float t, NDArray sample, TorchGenerator generator) {
        if (generator == null) {
            throw new IllegalArgumentException("KDPM2AncestralDiscreteScheduler.step draws noise: pass the"
                    + " generation's TorchGenerator");
        }
        return super.step(modelOutput, t, sample, generator);
    }

    /** d_i = (x_i − D(x_i; σ_i))/σ_i, Euler to the midpoint: x_mid = x_i + (σ_mid − σ_i)·d_i (noise drawn, unused). */
    @Override
    NDArray firstStage(NDArray modelOutput, NDArray sample, TorchGenerator generator) {
        float sigma = sigmas[stepIndex];
        float sigmaMid = sigmasInterpol[stepIndex];
        randnLike(generator, modelOutput, "KDPM2AncestralDiscreteScheduler");
        NDArray derivative = sample.sub(predictOriginal(modelOutput, sample, sigma)).div(sigma);
        return sample.add(derivative.mul(sigmaMid - sigma));
    }

    /** x_{i+1} = x_i + (σ_down − σ_i)·d_mid + σ_up·z with d_mid = (x_mid − D(x_mid; σ_mid))/σ_mid. */
    @Override
    NDArray secondStage(NDArray modelOutput, NDArray sample, TorchGenerator generator) {
        int at = stepIndex - 1;
        float sigma = sigmas[at];
        float sigmaMid = sigmasInterpol[at];
        NDArray noise = randnLike(generator, modelOutput, "KDPM2AncestralDiscreteScheduler");
        NDArray derivative = sample.sub(predictOriginal(modelOutput, sample, sigmaMid)).div(sigmaMid);
        return firstSample.add(derivative.mul(sigmasDown[at] - sigma)).add(noise.mul(sigmasUp[at]));
    }
}
