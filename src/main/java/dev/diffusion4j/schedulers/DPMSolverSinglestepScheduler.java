package dev.diffusion4j.schedulers;

import ai.djl.ndarray.NDArray;
import dev.diffusion4j.numerics.SleefFloat;
import dev.diffusion4j.random.TorchGenerator;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Singlestep DPM-Solver (Lu et al. 2022, "DPM-Solver", and "DPM-Solver++"), diffusers 0.25's
 * {@code DPMSolverSinglestepScheduler}: the schedule is cut into groups of 1, 2 or 3 timesteps ({@code
 * get_order_list}); a group of k steps is one k-th order step from its first point to its end, whose intermediate
 * model calls are made at the group's inner timesteps. Every call returns a sample at the next timestep: inside a
 * group that is the first-order (DDIM) estimate the next call evaluates the model on. solver_order 2 with
 * algorithm_type "dpmsolver++" is DPM-Solver++(2S) (A1111's "DPM++ 2S" without the ancestral noise of "DPM++ 2S a").
 *
 * <p>As diffusers 0.25: timesteps are always "linspace" (the class has no timestep_spacing) up to
 * lambda_min_clipped, the schedule ends at σ(t = 0) (σmin with Karras sigmas), {@code order} is 1 (img2img slices
 * the schedule by step, and a group cut in two starts with a first-order step), an uneven step count without
 * lower_order_final gets lower_order_final. "deis" and "logrho"/"bh1"/"bh2" become "dpmsolver++" and "midpoint".
 */
public final class DPMSolverSinglestepScheduler extends VpMultistepScheduler {

    /** The registry entry: diffusers 0.25.1 defaults, in signature order; A1111's "DPM++ 2S" (second order). */
    static final SchedulerSpec SPEC = new SchedulerSpec("DPMSolverSinglestepScheduler",
            SchedulerSpec.defaults(0.0001, 0.02,
                    "solver_order", 2.0, "prediction_type", "epsilon", "thresholding", false,
                    "dynamic_thresholding_ratio", 0.995, "sample_max_value", 1.0, "algorithm_type", "dpmsolver++",
                    "solver_type", "midpoint", "lower_order_final", true, "use_karras_sigmas", false,
                    "lambda_min_clipped", Double.NEGATIVE_INFINITY, "variance_type", null),
            DPMSolverSinglestepScheduler::new, List.of(
                    new SamplerSpec("dpm++2s", "DPM++ 2S", List.of("dpmsolver_singlestep"),
                            Map.of("algorithm_type", "dpmsolver++", "solver_order", 2))));

    private int[] orders = new int[0];
    /** The sample at the start of the current group (diffusers' {@code self.sample}). */
    private final StepHistory groupStart = new StepHistory(1);

    public DPMSolverSinglestepScheduler(SchedulerConfig config) {
        super(canonical(config), false);
        int order = this.config.solverOrder();
        if (order < 1 || order > 3) {
            throw new IllegalArgumentException("DPMSolverSinglestepScheduler: solver_order " + order
                    + " is not supported (1-3)");
        }
        rejectThresholding();
        if (this.config.varianceType() != null) {
            throw new UnsupportedOperationException("DPMSolverSinglestepScheduler: variance_type '"
                    + this.config.varianceType() + "' (learned variance) is not supported");
        }
    }

    /** diffusers' constructor rewrites DEIS / UniPC names to its own (register_to_config). */
    private static SchedulerConfig canonical(SchedulerConfig c) {
        String who = "DPMSolverSinglestepScheduler";
        c = ownName(c, who, "algorithm_type", c.algorithmType(), List.of("dpmsolver++", "dpmsolver"), List.of("deis"),
                "dpmsolver++");
        return ownName(c, who, "solver_type", c.solverType(), List.of("midpoint", "heun"),
                List.of("logrho", "bh1", "bh2"), "midpoint");
    }

    /** "linspace" over the training timesteps that lambda_min_clipped leaves, cut into groups of 1-3 steps. */
    @Override
    public void setTimesteps(int numInferenceSteps) {
        int last = config.numTrainTimesteps() - VpGrid.clippedTimesteps(alphasCumprod, config.lambdaMinClipped());
        setSchedule(VpGrid.timesteps(config, "linspace", last, numInferenceSteps, 0), numInferenceSteps);
        int order = config.solverOrder();
        orders = orderList(numInferenceSteps, order, config.lowerOrderFinal() || numInferenceSteps % order != 0);
    }

    /**
     * diffusers' {@code get_order_list}: groups [1, 2, 3] (order 3) or [1, 2] (order 2) repeated; with
     * lower_order_final the remainder ends in smaller groups ([.., 1, 2, 1] when 3 divides the count at order 3).
     */
    static int[] orderList(int steps, int order, boolean lowerOrderFinal) {
        List<Integer> out = new ArrayList<>();
        if (order == 3) {
            int groups = lowerOrderFinal && steps % 3 == 0 ? steps / 3 - 1 : steps / 3;
            for (int g = 0; g < groups; g++) {
                out.addAll(List.of(1, 2, 3));
            }
            if (lowerOrderFinal) {
                out.addAll(switch (steps % 3) {
                    case 0 -> List.of(1, 2, 1);
                    case 1 -> List.of(1);
                    default -> List.of(1, 2);
                });
            }
        } else if (order == 2) {
            for (int g = 0; g < steps / 2; g++) {
                out.addAll(List.of(1, 2));
            }
            if (lowerOrderFinal && steps % 2 == 1) {
                out.add(1);
            }
        } else {
            for (int g = 0; g < steps; g++) {
                out.add(1);
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    @Override
    public StepOutput step(NDArray modelOutput, float t, NDArray sample, TorchGenerator generator) {
        initStepIndex(t);
        // a group's order, less where the history is shorter (a schedule entered mid-group, as img2img does)
        int order = Math.min(orders[stepIndex], modelOutputs.size() + 1);
        StepOutput out = StepOutput.scoped(sample, () -> {
            modelOutputs.push(convertModelOutput(modelOutput, sample, config.algorithmType().equals("dpmsolver++")));
            if (order == 1) {
                groupStart.push(sample.duplicate());
            }
            NDArray prev = switch (order) {
                case 1 -> firstOrderUpdate();
                case 2 -> secondOrderUpdate();
                default -> thirdOrderUpdate();
            };
            return new StepOutput(prev, null);
        });
        advance();
        return out;
    }

    @Override
    void releaseHistory() {
        super.releaseHistory();
        groupStart.close();
    }

    /** DPM-Solver++ eq. 10 / DPM-Solver eq. 3.7 with k = 1 (DDIM) from the group start to the next timestep. */
    private NDArray firstOrderUpdate() {
        VpGrid.Vp t = vp(stepIndex + 1);
        VpGrid.Vp s = vp(stepIndex);
        float h = t.lambda() - s.lambda();
        NDArray m = modelOutputs.get(0);
        if (config.algorithmType().equals("dpmsolver++")) {
            return groupStart.get(0).mul(t.sigma() / s.sigma()).sub(m.mul(t.alpha() * (SleefFloat.exp(-h) - 1f)));
        }
        return groupStart.get(0).mul(t.alpha() / s.alpha()).sub(m.mul(t.sigma() * (SleefFloat.exp(h) - 1f)));
    }

    /**
     * Singlestep second order from the group start s1 over s0 to t: DPM-Solver++(2S), Lu et al. 2022b, Algorithm 1
     * (midpoint) or its "heun" variant; DPM-Solver-2, Lu et al. 2022a, Algorithm 4, for "dpmsolver".
     */
    private NDArray secondOrderUpdate() {
        VpGrid.Vp t = vp(stepIndex + 1);
        VpGrid.Vp s0 = vp(stepIndex);
        VpGrid.Vp s1 = vp(stepIndex - 1);
        float lambdaS1 = s1.lambda();
        float h = t.lambda() - lambdaS1;
        float r0 = (s0.lambda() - lambdaS1) / h;
        NDArray d0 = modelOutputs.get(1);
        NDArray d1 = modelOutputs.get(0).sub(d0).mul(1f / r0);
        boolean midpoint = config.solverType().equals("midpoint");
        if (config.algorithmType().equals("dpmsolver++")) {
            float e = SleefFloat.exp(-h) - 1f;
            NDArray x = groupStart.get(0).mul(t.sigma() / s1.sigma()).sub(d0.mul(t.alpha() * e));
            return midpoint ? x.sub(d1.mul(0.5f * (t.alpha() * e))) : x.add(d1.mul(t.alpha() * (e / h + 1f)));
        }
        float e = SleefFloat.exp(h) - 1f;
        NDArray x = groupStart.get(0).mul(t.alpha() / s1.alpha()).sub(d0.mul(t.sigma() * e));
        return midpoint ? x.sub(d1.mul(0.5f * (t.sigma() * e))) : x.sub(d1.mul(t.sigma() * (e / h - 1f)));
    }

    /** Singlestep third order from the group start s2 over s1, s0 to t (DPM-Solver-3, Lu et al. 2022a, Algorithm 5). */
    private NDArray thirdOrderUpdate() {
        VpGrid.Vp t = vp(stepIndex + 1);
        VpGrid.Vp s0 = vp(stepIndex);
        VpGrid.Vp s1 = vp(stepIndex - 1);
        VpGrid.Vp s2 = vp(stepIndex - 2);
        float lambdaS2 = s2.lambda();
        float h = t.lambda() - lambdaS2;
        float r0 = (s0.lambda() - lambdaS2) / h;
        float r1 = (s1.lambda() - lambdaS2) / h;
        NDArray m0 = modelOutputs.get(0);
        NDArray m1 = modelOutputs.get(1);
        NDArray d0 = modelOutputs.get(2);
        NDArray d10 = m1.sub(d0).mul(1f / r1);
        NDArray d11 = m0.sub(d0).mul(1f / r0);
        boolean midpoint = config.solverType().equals("midpoint");
        NDArray d1 = midpoint ? null : d10.mul(r0).sub(d11.mul(r1)).div(r0 - r1);
        NDArray d2 = midpoint ? null : d11.sub(d10).mul(2f).div(r0 - r1);
        if (config.algorithmType().equals("dpmsolver++")) {
            float e = SleefFloat.exp(-h) - 1f;
            NDArray x = groupStart.get(0).mul(t.sigma() / s2.sigma()).sub(d0.mul(t.alpha() * e));
            if (midpoint) {
                return x.add(d11.mul(t.alpha() * (e / h + 1f)));
            }
            return x.add(d1.mul(t.alpha() * (e / h + 1f))).sub(d2.mul(t.alpha() * ((e + h) / (h * h) - 0.5f)));
        }
        float e = SleefFloat.exp(h) - 1f;
        NDArray x = groupStart.get(0).mul(t.alpha() / s2.alpha()).sub(d0.mul(t.sigma() * e));
        if (midpoint) {
            return x.sub(d11.mul(t.sigma() * (e / h - 1f)));
        }
        return x.sub(d1.mul(t.sigma() * (e / h - 1f))).sub(d2.mul(t.sigma() * ((e - h) / (h * h) - 0.5f)));
    }
}
