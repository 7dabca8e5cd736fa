package dev.diffusion4j.schedulers;

import ai.djl.ndarray.NDArray;
import dev.diffusion4j.numerics.SleefFloat;
import dev.diffusion4j.random.TorchGenerator;
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
public final class DPMSolverMultistepScheduler extends VpMultistepScheduler {

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

    public DPMSolverMultistepScheduler(SchedulerConfig config) {
        super(config, true); // as diffusers ≥ 0.27, where this class takes rescale_betas_zero_snr
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
    }

    /** The configured spacing over the training timesteps that lambda_min_clipped leaves. */
    @Override
    public void setTimesteps(int numInferenceSteps) {
        int last = config.numTrainTimesteps() - VpGrid.clippedTimesteps(alphasCumprod, config.lambdaMinClipped());
        setSchedule(VpGrid.timesteps(config, config.timestepSpacing(), last, numInferenceSteps, config.stepsOffset()),
                numInferenceSteps);
    }

    @Override
    public StepOutput step(NDArray modelOutput, float t, NDArray sample, TorchGenerator generator) {
        initStepIndex(t);
        int order = multistepOrder(config.eulerAtFinal());
        boolean sde = config.algorithmType().startsWith("sde-");
        boolean dataPrediction = config.algorithmType().endsWith("++");
        StepOutput out = StepOutput.scoped(sample, () -> {
            modelOutputs.push(convertModelOutput(modelOutput, sample, dataPrediction));
            NDArray noise = sde ? randnLike(generator, modelOutput, "DPMSolverMultistepScheduler(SDE)") : null;
            NDArray prev = switch (order) {
                case 1 -> firstOrderUpdate(sample, noise);
                case 2 -> secondOrderUpdate(sample, noise);
                default -> thirdOrderUpdate(sample);
            };
            return new StepOutput(prev, null);
        });
        advance();
        return out;
    }

    /** DPM-Solver++ eq. 10 / DPM-Solver eq. 3.7 with k = 1 (DDIM), and the SDE variants (Lu et al. 2022b, eq. 18). */
    private NDArray firstOrderUpdate(NDArray sample, NDArray noise) {
        VpGrid.Vp t = vp(stepIndex + 1);
        VpGrid.Vp s = vp(stepIndex);
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
        VpGrid.Vp t = vp(stepIndex + 1);
        VpGrid.Vp s0 = vp(stepIndex);
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
        VpGrid.Vp t = vp(stepIndex + 1);
        VpGrid.Vp s0 = vp(stepIndex);
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
}
