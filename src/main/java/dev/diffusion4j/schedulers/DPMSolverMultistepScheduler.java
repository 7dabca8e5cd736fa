package dev.diffusion4j.schedulers;

import ai.djl.ndarray.NDArray;
import dev.diffusion4j.numerics.Numpy;
import dev.diffusion4j.numerics.SleefFloat;
import dev.diffusion4j.random.TorchGenerator;
import dev.diffusion4j.tensor.Scopes;
import dev.diffusion4j.tensor.Tensors;
import java.util.List;
import java.util.Map;

/**
 * Multistep DPM-Solver (Lu et al. 2022, "DPM-Solver" and "DPM-Solver++"), diffusers 0.25's
 * {@code DPMSolverMultistepScheduler}: algorithm_type "dpmsolver++" (default; A1111's "DPM++ 2M" at solver_order 2),
 * "dpmsolver", "sde-dpmsolver++" (A1111's "DPM++ 2M SDE"; draws noise every step) or "sde-dpmsolver"; solver_order
 * 1-3 (3 only for the ODE variants); solver_type midpoint or heun; Karras sigmas; lower_order_final (first-order
 * final step, second-order second-to-last, when fewer than 15 steps) and euler_at_final.
 *
 * <p>0.25 behaviour kept on purpose: the schedule ends at σ(t = 0) (or σmin with Karras sigmas), not at σ = 0 as
 * in diffusers ≥ 0.27; {@code init_noise_sigma} is 1 and the model input is not scaled (the solver works in the
 * VP parametrisation x_t = α_t·x₀ + σ_t·ε). Taken from later diffusers: rescale_betas_zero_snr (≥ 0.27), with the
 * last ᾱ kept at 2⁻²⁴ so the first σ is finite.
 */
public final class DPMSolverMultistepScheduler extends DiscreteTimeScheduler implements SigmaSchedule {

    /** The registry entry: diffusers 0.25.1 defaults; A1111's "DPM++ 2M" and "DPM++ 2M SDE" (both second order). */
    static final SchedulerSpec SPEC = new SchedulerSpec("DPMSolverMultistepScheduler",
            SchedulerSpec.defaults(0.0001, 0.02,
                    "solver_order", 2.0, "prediction_type", "epsilon", "thresholding", false,
                    "dynamic_thresholding_ratio", 0.995, "sample_max_value", 1.0, "algorithm_type", "dpmsolver++",
                    "solver_type", "midpoint", "lower_order_final", true, "euler_at_final", false,
                    "use_karras_sigmas", false, "use_lu_lambdas", false,
                    "lambda_min_clipped", Double.NEGATIVE_INFINITY, "variance_type", null,
                    "timestep_spacing", "linspace", "steps_offset", 0.0),
            DPMSolverMultistepScheduler::new, List.of(
                    new SamplerSpec("dpm++2m", "DPM++ 2M", List.of("dpmsolver++", "dpmsolvermultistep"),
                            Map.of("algorithm_type", "dpmsolver++", "solver_order", 2)),
                    new SamplerSpec("dpm++2m_sde", "DPM++ 2M SDE", List.of("sde-dpmsolver++"),
                            Map.of("algorithm_type", "sde-dpmsolver++", "solver_order", 2))));

    private final float[] trainSigmas;
    private final float[] logSigmas;
    private final StepHistory modelOutputs;
    private float[] sigmas = new float[0];
    private int stepIndex = -1;
    private int lowerOrderNums;

    public DPMSolverMultistepScheduler(SchedulerConfig config) {
        super(config, "epsilon", "sample", "v_prediction");
        String algorithm = config.algorithmType();
        if (!List.of("dpmsolver", "dpmsolver++", "sde-dpmsolver", "sde-dpmsolver++").contains(algorithm)) {
            throw new IllegalArgumentException("DPMSolverMultistepScheduler: algorithm_type '" + algorithm
                    + "' is not supported (dpmsolver++, dpmsolver, sde-dpmsolver++, sde-dpmsolver)");
        }
        if (!config.solverType().equals("midpoint") && !config.solverType().equals("heun")) {
            throw new IllegalArgumentException("DPMSolverMultistepScheduler: solver_type '" + config.solverType()
                    + "' is not supported (midpoint, heun)");
        }
        int order = config.solverOrder();
        if (order < 1 || order > 3 || (order == 3 && algorithm.startsWith("sde-"))) {
            throw new IllegalArgumentException("DPMSolverMultistepScheduler: solver_order " + order
                    + " is not supported with " + algorithm + " (1-2, or 3 for dpmsolver/dpmsolver++)");
        }
        rejectThresholding();
        if (config.varianceType() != null) {
            throw new UnsupportedOperationException("DPMSolverMultistepScheduler: variance_type '"
                    + config.varianceType() + "' (learned variance) is not supported");
        }
        if (config.useLuLambdas()) {
            throw new UnsupportedOperationException("DPMSolverMultistepScheduler: use_lu_lambdas is not supported");
        }
        keepTerminalSigmaFinite(); // as diffusers ≥ 0.27, where this class takes rescale_betas_zero_snr
        this.trainSigmas = NoiseSchedule.sigmas(alphasCumprod);
        this.logSigmas = NoiseSchedule.log(trainSigmas);
        this.modelOutputs = new StepHistory(order);
    }

    @Override
    public void setTimesteps(int numInferenceSteps) {
        int t = config.numTrainTimesteps();
        int n = numInferenceSteps;
        if (n < 1 || n > t) {
            throw new IllegalArgumentException("DPMSolverMultistepScheduler: num_inference_steps must be in 1.." + t
                    + ", got " + n);
        }
        int last = t - clippedIndex();
        double[] grid;
        switch (config.timestepSpacing()) {
            case "linspace" -> {
                double[] l = Numpy.linspace(0, last - 1, n + 1);
                grid = new double[n];
                for (int i = 0; i < n; i++) {
                    grid[i] = Math.rint(l[n - i]);
                }
            }
            case "leading" -> {
                int ratio = last / (n + 1);
                grid = new double[n];
                for (int i = 0; i < n; i++) {
                    grid[i] = (double) (n - i) * ratio + config.stepsOffset();
                }
            }
            case "trailing" -> {
                double[] a = Numpy.arange(last, 0, -((double) t / n));
                grid = new double[a.length];
                for (int i = 0; i < a.length; i++) {
                    grid[i] = Math.rint(a[i]) - 1;
                }
            }
            default -> throw new IllegalArgumentException("DPMSolverMultistepScheduler: timestep_spacing '"
                    + config.timestepSpacing() + "' is not supported (linspace, leading, trailing)");
        }
        if (config.useKarrasSigmas()) {
            // Karras et al. 2022 eq. 5 between the table's ends, σmin repeated as the final σ
            double min = config.sigmaMin() != null ? config.sigmaMin() : trainSigmas[0];
            double max = config.sigmaMax() != null ? config.sigmaMax() : trainSigmas[trainSigmas.length - 1];
            double[] k = NoiseSchedule.karras(min, max, n);
            grid = new double[n];
            sigmas = new float[n + 1];
            for (int i = 0; i < n; i++) {
                grid[i] = Math.rint(NoiseSchedule.sigmaToT(k[i], logSigmas));
                sigmas[i] = (float) k[i];
            }
            sigmas[n] = (float) k[n - 1];
        } else {
            sigmas = new float[grid.length + 1];
            for (int i = 0; i < grid.length; i++) {
                sigmas[i] = trainSigmas[(int) grid[i]];
            }
            sigmas[grid.length] = trainSigmas[0];
        }
        timesteps = Tensors.toFloats(grid);
        stepIndex = -1;
        lowerOrderNums = 0;
        modelOutputs.close();
    }

    /** Number of trailing timesteps cut off by lambda_min_clipped ({@code searchsorted} over the flipped λ table). */
    private int clippedIndex() {
        double clip = config.lambdaMinClipped();
        int n = alphasCumprod.length;
        for (int i = 0; i < n; i++) {
            float ac = alphasCumprod[n - 1 - i];
            float lambda = SleefFloat.log(NoiseSchedule.sqrt(ac)) - SleefFloat.log(NoiseSchedule.sqrt(1f - ac));
            if (lambda >= clip) {
                return i;
            }
        }
        return n;
    }

    /** The σ schedule: one per timestep and the final one (σ(0), or σmin with Karras sigmas). */
    public float[] sigmas() {
        return sigmas.clone();
    }

    /** α_t = 1/sqrt(σ²+1) and σ_t = σ·α_t of a schedule σ (float32, diffusers' {@code _sigma_to_alpha_sigma_t}). */
    private record Vp(float alpha, float sigma) {

        static Vp of(float sigma) {
            float alpha = 1f / NoiseSchedule.sqrt(sigma * sigma + 1f);
            return new Vp(alpha, sigma * alpha);
        }

        /** λ = log α_t − log σ_t, half the log-SNR (DPM-Solver's time variable). */
        float lambda() {
            return SleefFloat.log(alpha) - SleefFloat.log(sigma);
        }
    }

    private Vp vp(int index) {
        return Vp.of(sigmas[index]);
    }

    @Override
    public StepOutput step(NDArray modelOutput, float t, NDArray sample, TorchGenerator generator) {
        requireTimesteps();
        if (stepIndex < 0) {
            stepIndex = indexOf(t);
        }
        if (stepIndex >= timesteps.length) {
            throw new IllegalStateException("DPMSolverMultistepScheduler: the schedule is finished; call setTimesteps");
        }
        int n = timesteps.length;
        boolean lowerOrderFinal = stepIndex == n - 1
                && (config.eulerAtFinal() || (config.lowerOrderFinal() && n < 15));
        boolean lowerOrderSecond = stepIndex == n - 2 && config.lowerOrderFinal() && n < 15;
        boolean sde = config.algorithmType().startsWith("sde-");
        int order = config.solverOrder();
        StepOutput out = StepOutput.scoped(sample, () -> {
            modelOutputs.push(convertModelOutput(modelOutput, sample));
            NDArray noise = sde ? randnLike(generator, modelOutput, "DPMSolverMultistepScheduler(SDE)") : null;
            NDArray prev;
            if (order == 1 || lowerOrderNums < 1 || lowerOrderFinal) {
                prev = firstOrderUpdate(sample, noise);
            } else if (order == 2 || lowerOrderNums < 2 || lowerOrderSecond) {
                prev = secondOrderUpdate(sample, noise);
            } else {
                prev = thirdOrderUpdate(sample);
            }
            return new StepOutput(prev, null);
        });
        if (lowerOrderNums < order) {
            lowerOrderNums++;
        }
        stepIndex++;
        if (stepIndex == n) {
            modelOutputs.close();
        }
        return out;
    }

    /** Position of {@code t} (its second occurrence if listed twice); diffusers 0.25 maps an unknown t to the end. */
    private int indexOf(float t) {
        for (float ts : timesteps) {
            if (ts == t) {
                return indexOf(timesteps, t, "DPMSolverMultistepScheduler");
            }
        }
        return timesteps.length - 1;
    }

    /** The data prediction x̂₀ (DPM-Solver++, eq. 9) or the noise prediction ε̂ (DPM-Solver). */
    private NDArray convertModelOutput(NDArray modelOutput, NDArray sample) {
        Vp s = vp(stepIndex);
        float alphaT = s.alpha();
        float sigmaT = s.sigma();
        boolean dataPrediction = config.algorithmType().endsWith("++");
        return switch (config.predictionType()) {
            case "epsilon" -> dataPrediction ? sample.sub(modelOutput.mul(sigmaT)).div(alphaT) : modelOutput.duplicate();
            case "sample" -> dataPrediction ? modelOutput.duplicate()
                    : sample.sub(modelOutput.mul(alphaT)).div(sigmaT);
            default -> dataPrediction ? sample.mul(alphaT).sub(modelOutput.mul(sigmaT))
                    : modelOutput.mul(alphaT).add(sample.mul(sigmaT));
        };
    }

    /** DPM-Solver++ eq. 10 / DPM-Solver eq. 3.7 with k = 1 (DDIM), and the SDE variants (Lu et al. 2022b, eq. 18). */
    private NDArray firstOrderUpdate(NDArray sample, NDArray noise) {
        Vp t = vp(stepIndex + 1);
        Vp s = vp(stepIndex);
        float h = t.lambda() - s.lambda();
        NDArray m = modelOutputs.get(0);
        return switch (config.algorithmType()) {
            case "dpmsolver++" -> sample.mul(t.sigma() / s.sigma())
                    .sub(m.mul(t.alpha() * (SleefFloat.exp(-h) - 1f)));
            case "dpmsolver" -> sample.mul(t.alpha() / s.alpha()).sub(m.mul(t.sigma() * (SleefFloat.exp(h) - 1f)));
            case "sde-dpmsolver++" -> sample.mul(t.sigma() / s.sigma() * SleefFloat.exp(-h))
                    .add(m.mul(t.alpha() * (1f - SleefFloat.exp(-2f * h))))
                    .add(noise.mul(t.sigma() * NoiseSchedule.sqrt(1f - SleefFloat.exp(-2f * h))));
            default -> sample.mul(t.alpha() / s.alpha())
                    .sub(m.mul(2f * (t.sigma() * (SleefFloat.exp(h) - 1f))))
                    .add(noise.mul(t.sigma() * NoiseSchedule.sqrt(SleefFloat.exp(2f * h) - 1f)));
        };
    }

    /** Multistep second order: DPM-Solver++(2M), Lu et al. 2022b, Algorithm 2 (midpoint) or its "heun" variant. */
    private NDArray secondOrderUpdate(NDArray sample, NDArray noise) {
        Vp t = vp(stepIndex + 1);
        Vp s0 = vp(stepIndex);
        float alphaT = t.alpha();
        float sigmaT = t.sigma();
        NDArray m0 = modelOutputs.get(0);
        NDArray m1 = modelOutputs.get(1);
        float h = t.lambda() - s0.lambda();
        float h0 = s0.lambda() - vp(stepIndex - 1).lambda();
        float r0 = h0 / h;
        NDArray d1 = m0.sub(m1).mul(1f / r0);
        boolean midpoint = config.solverType().equals("midpoint");
        float expNeg = SleefFloat.exp(-h) - 1f;
        float expPos = SleefFloat.exp(h) - 1f;
        switch (config.algorithmType()) {
            case "dpmsolver++" -> {
                NDArray x = sample.mul(sigmaT / s0.sigma()).sub(m0.mul(alphaT * expNeg));
                return midpoint ? x.sub(d1.mul(0.5f * (alphaT * expNeg)))
                        : x.add(d1.mul(alphaT * (expNeg / h + 1f)));
            }
            case "dpmsolver" -> {
                NDArray x = sample.mul(alphaT / s0.alpha()).sub(m0.mul(sigmaT * expPos));
                return midpoint ? x.sub(d1.mul(0.5f * (sigmaT * expPos)))
                        : x.sub(d1.mul(sigmaT * (expPos / h - 1f)));
            }
            case "sde-dpmsolver++" -> {
                float e2 = 1f - SleefFloat.exp(-2f * h);
                NDArray x = sample.mul(sigmaT / s0.sigma() * SleefFloat.exp(-h)).add(m0.mul(alphaT * e2));
                x = midpoint ? x.add(d1.mul(0.5f * (alphaT * e2))) : x.add(d1.mul(alphaT * (e2 / (-2f * h) + 1f)));
                return x.add(noise.mul(sigmaT * NoiseSchedule.sqrt(1f - SleefFloat.exp(-2f * h))));
            }
            default -> {
                NDArray x = sample.mul(alphaT / s0.alpha()).sub(m0.mul(2f * (sigmaT * expPos)));
                x = midpoint ? x.sub(d1.mul(sigmaT * expPos)) : x.sub(d1.mul(2f * (sigmaT * (expPos / h - 1f))));
                return x.add(noise.mul(sigmaT * NoiseSchedule.sqrt(SleefFloat.exp(2f * h) - 1f)));
            }
        }
    }

    /** Multistep third order (DPM-Solver++(3M) / DPM-Solver-3), Lu et al. 2022a, Algorithm 4 in λ form. */
    private NDArray thirdOrderUpdate(NDArray sample) {
        Vp t = vp(stepIndex + 1);
        Vp s0 = vp(stepIndex);
        float alphaT = t.alpha();
        float sigmaT = t.sigma();
        float lambdaS0 = s0.lambda();
        float lambdaS1 = vp(stepIndex - 1).lambda();
        float lambdaS2 = vp(stepIndex - 2).lambda();
        NDArray m0 = modelOutputs.get(0);
        NDArray m1 = modelOutputs.get(1);
        NDArray m2 = modelOutputs.get(2);
        float h = t.lambda() - lambdaS0;
        float r0 = (lambdaS0 - lambdaS1) / h;
        float r1 = (lambdaS1 - lambdaS2) / h;
        NDArray d10 = m0.sub(m1).mul(1f / r0);
        NDArray d11 = m1.sub(m2).mul(1f / r1);
        NDArray d1 = d10.add(d10.sub(d11).mul(r0 / (r0 + r1)));
        NDArray d2 = d10.sub(d11).mul(1f / (r0 + r1));
        if (config.algorithmType().equals("dpmsolver++")) {
            float e = SleefFloat.exp(-h) - 1f;
            return sample.mul(sigmaT / s0.sigma()).sub(m0.mul(alphaT * e)).add(d1.mul(alphaT * (e / h + 1f)))
                    .sub(d2.mul(alphaT * ((e + h) / (h * h) - 0.5f)));
        }
        float e = SleefFloat.exp(h) - 1f;
        return sample.mul(alphaT / s0.alpha()).sub(m0.mul(sigmaT * e)).sub(d1.mul(sigmaT * (e / h - 1f)))
                .sub(d2.mul(sigmaT * ((e - h) / (h * h) - 0.5f)));
    }

    /** x_t = α_t·x₀ + σ_t·ε with α_t, σ_t from the schedule's σ at {@code t}. */
    @Override
    public NDArray addNoise(NDArray original, NDArray noise, float t) {
        requireTimesteps();
        Vp vp = vp(indexOf(t));
        return Scopes.scopedLike(original, () -> original.mul(vp.alpha()).add(noise.mul(vp.sigma())));
    }

    @Override
    public void close() {
        modelOutputs.close();
    }
}
