package dev.diffusion4j.schedulers;

import ai.djl.ndarray.NDArray;
import dev.diffusion4j.numerics.SleefFloat;
import dev.diffusion4j.random.TorchGenerator;
import java.util.List;
import java.util.Map;

/**
 * Multistep DEIS (Zhang &amp; Chen 2023, "Fast Sampling of Diffusion Models with Exponential Integrator"), diffusers
 * 0.25's {@code DEISMultistepScheduler}: the ε-form exponential integrator in the time variable ρ = σ_t/α_t with
 * polynomial extrapolation of ε̂ in log ρ ("logrho", the paper's ρAB-DEIS, eq. 15), orders 1-3, lower_order_final
 * (first-order final step, second-order second-to-last, when fewer than 15 steps), Karras sigmas.
 *
 * <p>As diffusers: DPM-Solver names for the algorithm ("dpmsolver", "dpmsolver++") and solver type ("midpoint",
 * "heun", "bh1", "bh2") become "deis" and "logrho", so a DPM-Solver or UniPC config builds one; the schedule ends at
 * σ(t = 0) (σmin with Karras sigmas); {@code init_noise_sigma} is 1 and the model input is not scaled. Arithmetic is
 * float32 in diffusers' order (its log ρ goes through numpy's float32 log).
 */
public final class DEISMultistepScheduler extends VpMultistepScheduler {

    /** The registry entry: diffusers 0.25.1 defaults, in signature order. */
    static final SchedulerSpec SPEC = new SchedulerSpec("DEISMultistepScheduler",
            SchedulerSpec.defaults(0.0001, 0.02,
                    "solver_order", 2.0, "prediction_type", "epsilon", "thresholding", false,
                    "dynamic_thresholding_ratio", 0.995, "sample_max_value", 1.0, "algorithm_type", "deis",
                    "solver_type", "logrho", "lower_order_final", true, "use_karras_sigmas", false,
                    "timestep_spacing", "linspace", "steps_offset", 0.0),
            DEISMultistepScheduler::new,
            List.of(new SamplerSpec("deis", "DEIS", List.of("deismultistep"), Map.of())));

    public DEISMultistepScheduler(SchedulerConfig config) {
        super(canonical(config), false);
        int order = this.config.solverOrder();
        if (order < 1 || order > 3) {
            throw new IllegalArgumentException("DEISMultistepScheduler: solver_order " + order
                    + " is not supported (1-3)");
        }
        rejectThresholding();
    }

    /** diffusers' constructor rewrites DPM-Solver / UniPC names to its own (register_to_config). */
    private static SchedulerConfig canonical(SchedulerConfig c) {
        String who = "DEISMultistepScheduler";
        c = ownName(c, who, "algorithm_type", c.algorithmType(), List.of("deis"), List.of("dpmsolver", "dpmsolver++"),
                "deis");
        return ownName(c, who, "solver_type", c.solverType(), List.of("logrho"),
                List.of("midpoint", "heun", "bh1", "bh2"), "logrho");
    }

    @Override
    public StepOutput step(NDArray modelOutput, float t, NDArray sample, TorchGenerator generator) {
        initStepIndex(t);
        int order = multistepOrder(false);
        StepOutput out = StepOutput.scoped(sample, () -> {
            modelOutputs.push(noisePrediction(modelOutput, sample));
            NDArray prev = switch (order) {
                case 1 -> firstOrderUpdate(sample);
                case 2 -> secondOrderUpdate(sample);
                default -> thirdOrderUpdate(sample);
            };
            return new StepOutput(prev, null);
        });
        advance();
        return out;
    }

    /** DEIS works with ε̂: x̂₀ from the model output (as DPM-Solver++ eq. 9), then ε̂ = (x_t − α_t·x̂₀)/σ_t. */
    private NDArray noisePrediction(NDArray modelOutput, NDArray sample) {
        VpGrid.Vp s = vp(stepIndex);
        NDArray x0 = convertModelOutput(modelOutput, sample, true);
        return sample.sub(x0.mul(s.alpha())).div(s.sigma());
    }

    /** DEIS with a constant ε̂ (eq. 15 with r = 0), which is DDIM: x_t = (α_t/α_s)·x_s − σ_t(e^h − 1)·ε̂_s. */
    private NDArray firstOrderUpdate(NDArray sample) {
        VpGrid.Vp t = vp(stepIndex + 1);
        VpGrid.Vp s = vp(stepIndex);
        float h = t.lambda() - s.lambda();
        return sample.mul(t.alpha() / s.alpha()).sub(modelOutputs.get(0).mul(t.sigma() * (SleefFloat.exp(h) - 1f)));
    }

    /**
     * ρAB-DEIS of order 2 (eq. 15): ε̂ is the line through (log ρ_{s1}, ε̂_{s1}) and (log ρ_{s0}, ε̂_{s0}), integrated
     * exactly from ρ_{s0} to ρ_t; x_t/α_t = x_{s0}/α_{s0} + c₁·ε̂_{s0} + c₂·ε̂_{s1}.
     */
    private NDArray secondOrderUpdate(NDArray sample) {
        VpGrid.Vp t = vp(stepIndex + 1);
        VpGrid.Vp s0 = vp(stepIndex);
        VpGrid.Vp s1 = vp(stepIndex - 1);
        float rhoT = t.sigma() / t.alpha();
        float rho0 = s0.sigma() / s0.alpha();
        float rho1 = s1.sigma() / s1.alpha();
        float c1 = lagrange2(rhoT, rho0, rho1) - lagrange2(rho0, rho0, rho1);
        float c2 = lagrange2(rhoT, rho1, rho0) - lagrange2(rho0, rho1, rho0);
        return sample.div(s0.alpha()).add(modelOutputs.get(0).mul(c1)).add(modelOutputs.get(1).mul(c2))
                .mul(t.alpha());
    }

    /** An antiderivative in ρ of the Lagrange basis polynomial (in log ρ) that is 1 at b and 0 at c. */
    private static float lagrange2(float t, float b, float c) {
        float lt = log(t);
        float lb = log(b);
        float lc = log(c);
        return t * (-lc + lt - 1f) / (lb - lc);
    }

    /** ρAB-DEIS of order 3 (eq. 15): the quadratic in log ρ through the last three ε̂, integrated exactly. */
    private NDArray thirdOrderUpdate(NDArray sample) {
        VpGrid.Vp t = vp(stepIndex + 1);
        VpGrid.Vp s0 = vp(stepIndex);
        VpGrid.Vp s1 = vp(stepIndex - 1);
        VpGrid.Vp s2 = vp(stepIndex - 2);
        float rhoT = t.sigma() / t.alpha();
        float rho0 = s0.sigma() / s0.alpha();
        float rho1 = s1.sigma() / s1.alpha();
        float rho2 = s2.sigma() / s2.alpha();
        float c1 = lagrange3(rhoT, rho0, rho1, rho2) - lagrange3(rho0, rho0, rho1, rho2);
        float c2 = lagrange3(rhoT, rho1, rho2, rho0) - lagrange3(rho0, rho1, rho2, rho0);
        float c3 = lagrange3(rhoT, rho2, rho0, rho1) - lagrange3(rho0, rho2, rho0, rho1);
        return sample.div(s0.alpha()).add(modelOutputs.get(0).mul(c1)).add(modelOutputs.get(1).mul(c2))
                .add(modelOutputs.get(2).mul(c3)).mul(t.alpha());
    }

    /** An antiderivative in ρ of the quadratic Lagrange basis polynomial (in log ρ): 1 at b, 0 at c and d. */
    private static float lagrange3(float t, float b, float c, float d) {
        float lt = log(t);
        float lb = log(b);
        float lc = log(c);
        float ld = log(d);
        float numerator = t * (lc * (ld - lt + 1f) - ld * lt + ld + lt * lt - 2f * lt + 2f);
        return numerator / ((lb - lc) * (lb - ld));
    }

    /** numpy's float32 log (diffusers applies np.log to 0-d float32 tensors here). */
    private static float log(float x) {
        return (float) Math.log(x);
    }
}
