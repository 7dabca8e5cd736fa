package dev.diffusion4j.schedulers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import dev.diffusion4j.random.TorchGenerator;
import java.util.List;

/**
 * Pseudo numerical methods (Liu et al. 2022, "Pseudo Numerical Methods for Diffusion Models on Manifolds"),
 * diffusers' {@code PNDMScheduler} (A1111's "PLMS"). With {@code skip_prk_steps} (Stable Diffusion's configs) it is
 * the linear multistep PLMS method from the first step, which runs the second timestep twice: N+1 model calls for
 * N steps. Without it, 12 Runge–Kutta (PRK) calls warm the history up first. Prediction types epsilon and
 * v_prediction.
 */
public final class PNDMScheduler extends DiscreteTimeScheduler {

    /** The registry entry: diffusers 0.25.1 defaults; A1111 calls it "PLMS". */
    static final SchedulerSpec SPEC = new SchedulerSpec("PNDMScheduler", SchedulerSpec.defaults(0.0001, 0.02,
            "skip_prk_steps", false, "set_alpha_to_one", false, "prediction_type", "epsilon",
            "timestep_spacing", "leading", "steps_offset", 0.0),
            PNDMScheduler::new, List.of(SamplerSpec.of("pndm", "PLMS", "plms")));

    private static final int PNDM_ORDER = 4;

    private final float finalAlphaCumprod;
    private final StepHistory ets = new StepHistory(PNDM_ORDER);
    private int[] prkTimesteps = new int[0];
    private int counter;
    private NDArray curSample;
    private NDArray curModelOutput;

    public PNDMScheduler(SchedulerConfig config) {
        super(config, "epsilon", "v_prediction");
        this.finalAlphaCumprod = config.setAlphaToOne() ? 1f : alphasCumprod[0];
    }

    @Override
    public void setTimesteps(int numInferenceSteps) {
        float[] descending = roundedSpacing(numInferenceSteps);
        int n = descending.length;
        int[] ascending = new int[n];
        for (int i = 0; i < n; i++) {
            ascending[i] = (int) descending[n - 1 - i];
        }
        int[] plms;
        if (config.skipPrkSteps()) {
            // PLMS starts with a second-order step that needs the second timestep twice
            prkTimesteps = new int[0];
            plms = new int[n + (n >= 2 ? 1 : 0)];
            int k = 0;
            for (int i = n - 1; i >= 0; i--) {
                plms[k++] = ascending[i];
                if (i == n - 2) {
                    plms[k++] = ascending[i];
                }
            }
        } else {
            if (n < PNDM_ORDER) {
                throw new IllegalArgumentException("PNDMScheduler: with skip_prk_steps=false it needs at least "
                        + PNDM_ORDER + " inference steps, got " + n);
            }
            prkTimesteps = prkTimesteps(ascending, config.numTrainTimesteps() / numInferenceSteps / 2);
            plms = new int[Math.max(0, n - 3)];
            for (int i = 0; i < plms.length; i++) {
                plms[i] = ascending[n - 4 - i];
            }
        }
        timesteps = new float[prkTimesteps.length + plms.length];
        for (int i = 0; i < prkTimesteps.length; i++) {
            timesteps[i] = prkTimesteps[i];
        }
        for (int i = 0; i < plms.length; i++) {
            timesteps[prkTimesteps.length + i] = plms[i];
        }
        this.numInferenceSteps = numInferenceSteps;
        close();
        counter = 0;
    }

    /** The 4 highest timesteps and their half-way points, as Runge–Kutta stage times: t, t−h/2, t−h/2, t−h, ... */
    private static int[] prkTimesteps(int[] ascending, int halfStep) {
        int n = ascending.length;
        int[] pairs = new int[2 * PNDM_ORDER];
        for (int i = 0; i < PNDM_ORDER; i++) {
            int t = ascending[n - PNDM_ORDER + i];
            pairs[2 * i] = t;
            pairs[2 * i + 1] = t + halfStep;
        }
        // diffusers: prk[:-1].repeat(2)[1:-1], reversed
        int[] repeated = new int[2 * (pairs.length - 1)];
        for (int i = 0; i < pairs.length - 1; i++) {
            repeated[2 * i] = pairs[i];
            repeated[2 * i + 1] = pairs[i];
        }
        int[] out = new int[repeated.length - 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = repeated[repeated.length - 2 - i];
        }
        return out;
    }

    @Override
    public StepOutput step(NDArray modelOutput, float t, NDArray sample, TorchGenerator generator) {
        requireTimesteps();
        int timestep = discrete(t);
        return StepOutput.scoped(sample, () -> {
            NDArray prev = counter < prkTimesteps.length && !config.skipPrkSteps()
                    ? stepPrk(modelOutput, timestep, sample)
                    : stepPlms(modelOutput, timestep, sample);
            counter++;
            if (counter == timesteps.length) {
                close();
            }
            return new StepOutput(prev, null);
        });
    }

    /** Runge–Kutta warm-up, PNDM eq. 13 with the pseudo transfer of eq. 11: k1/6 + k2/3 + k3/3 + k4/6. */
    private NDArray stepPrk(NDArray modelOutput, int timestep, NDArray sample) {
        int halfStep = stepRatio() / 2;
        int prevTimestep = timestep - (counter % 2 == 1 ? 0 : halfStep);
        int stageTimestep = prkTimesteps[counter / 4 * 4];
        NDArray output = modelOutput;
        switch (counter % 4) {
            case 0 -> {
                replaceCurModelOutput(accumulate(modelOutput, 1f / 6));
                ets.push(modelOutput.duplicate());
                replaceCurSample(sample.duplicate());
            }
            case 1, 2 -> replaceCurModelOutput(accumulate(modelOutput, 1f / 3));
            default -> {
                output = accumulate(modelOutput, 1f / 6);
                replaceCurModelOutput(null);
            }
        }
        return prevSample(curSample != null ? curSample : sample, stageTimestep, prevTimestep, output);
    }

    private NDArray accumulate(NDArray modelOutput, float weight) {
        NDArray term = modelOutput.mul(weight);
        return curModelOutput == null ? term : curModelOutput.add(term);
    }

    /** PLMS, PNDM eq. 12 (Adams–Bashforth of order 1..4 on the model outputs, "ets"). */
    private NDArray stepPlms(NDArray modelOutput, int timestep, NDArray sample) {
        if (!config.skipPrkSteps() && ets.size() < 3) {
            throw new IllegalStateException("PNDMScheduler: the PLMS steps need the 12 PRK steps first");
        }
        int stepSize = stepRatio();
        int prevTimestep = timestep - stepSize;
        if (counter != 1) {
            ets.push(modelOutput.duplicate());
        } else {
            prevTimestep = timestep;
            timestep = timestep + stepSize;
        }
        NDArray output;
        NDArray from = sample;
        if (ets.size() == 1 && counter == 0) {
            output = modelOutput;
            replaceCurSample(sample.duplicate());
        } else if (ets.size() == 1 && counter == 1) {
            output = modelOutput.add(ets.get(0)).div(2f);
            from = curSample;
        } else if (ets.size() == 2) {
            output = ets.get(0).mul(3f).sub(ets.get(1)).div(2f);
        } else if (ets.size() == 3) {
            output = ets.get(0).mul(23f).sub(ets.get(1).mul(16f)).add(ets.get(2).mul(5f)).div(12f);
        } else {
            output = ets.get(0).mul(55f).sub(ets.get(1).mul(59f)).add(ets.get(2).mul(37f)).sub(ets.get(3).mul(9f))
                    .mul(1f / 24);
        }
        NDArray prev = prevSample(from, timestep, prevTimestep, output);
        if (ets.size() == 1 && counter == 1) {
            replaceCurSample(null);
        }
        return prev;
    }

    /** PNDM eq. 9, the transfer φ(x_t, ε, t, t−δ) of DDIM with eta = 0. */
    private NDArray prevSample(NDArray sample, int timestep, int prevTimestep, NDArray modelOutput) {
        float alphaProdT = alphasCumprod[timestep];
        float alphaProdTPrev = alphaCumprodPrev(prevTimestep, finalAlphaCumprod);
        float betaProdT = 1f - alphaProdT;
        float betaProdTPrev = 1f - alphaProdTPrev;
        NDArray eps = predictEpsilon(modelOutput, sample, alphaProdT);
        float sampleCoeff = NoiseSchedule.sqrt(alphaProdTPrev / alphaProdT);
        float denom = alphaProdT * NoiseSchedule.sqrt(betaProdTPrev)
                + NoiseSchedule.sqrt(alphaProdT * betaProdT * alphaProdTPrev);
        return sample.mul(sampleCoeff).sub(eps.mul(alphaProdTPrev - alphaProdT).div(denom));
    }

    private void replaceCurSample(NDArray owned) {
        if (curSample != null) {
            curSample.close();
        }
        if (owned != null) {
            NDScope.unregister(owned);
        }
        curSample = owned;
    }

    private void replaceCurModelOutput(NDArray owned) {
        NDArray old = curModelOutput;
        if (owned != null) {
            NDScope.unregister(owned);
        }
        curModelOutput = owned;
        if (old != null && old != owned) {
            old.close();
        }
    }

    @Override
    public void close() {
        ets.close();
        replaceCurSample(null);
        replaceCurModelOutput(null);
    }
}
