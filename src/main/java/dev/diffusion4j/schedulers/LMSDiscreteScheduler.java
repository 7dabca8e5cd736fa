package dev.diffusion4j.schedulers;

import ai.djl.ndarray.NDArray;
import dev.diffusion4j.random.TorchGenerator;
import java.util.List;

/**
 * Linear multistep in σ, diffusers' {@code LMSDiscreteScheduler} (A1111's "LMS", k-diffusion's {@code sample_lms}):
 * x_{i+1} = x_i + Σ_k c_k·d_{i−k} over the last (up to 4) derivatives d = (x − x̂₀)/σ, where c_k integrates the
 * Lagrange basis polynomial of the σ nodes from σ_i to σ_{i+1} (the Adams–Bashforth construction in σ). Karras
 * sigmas; prediction types epsilon, v_prediction, sample.
 */
public final class LMSDiscreteScheduler extends SigmaScheduler {

    /** The registry entry: diffusers 0.25.1 defaults; A1111's "LMS". */
    static final SchedulerSpec SPEC = new SchedulerSpec("LMSDiscreteScheduler", SchedulerSpec.defaults(0.0001, 0.02,
            "use_karras_sigmas", false, "prediction_type", "epsilon", "timestep_spacing", "linspace",
            "steps_offset", 0.0),
            LMSDiscreteScheduler::new, List.of(SamplerSpec.of("lms", "LMS")));

    private static final int ORDER = 4;

    /** QUADPACK dqk21 abscissae (xgk) and Kronrod weights (wgk) on [−1, 1], positive half, node 0 last. */
    private static final double[] XGK = {
        0.995657163025808080735527280689003, 0.973906528517171720077964012084452,
        0.930157491355708226001207180059508, 0.865063366688984510732096688423493,
        0.780817726586416897063717578345042, 0.679409568299024406234327365114874,
        0.562757134668604683339000099272694, 0.433395394129247190799265943165784,
        0.294392862701460198131126603103866, 0.148874338981631210884826001129720, 0.0,
    };
    private static final double[] WGK = {
        0.011694638867371874278064396062192, 0.032558162307964727478818972459390,
        0.054755896574351996031381300244580, 0.075039674810919952767043140916190,
        0.093125454583697605535065465083366, 0.109387158802297641899210590325805,
        0.123491976262065851077958109831074, 0.134709217311473325928054001771707,
        0.142775938577060080797094273138717, 0.147739104901338491374841515972068,
        0.149445554002916905664936468389821,
    };

    private final StepHistory derivatives = new StepHistory(ORDER);

    public LMSDiscreteScheduler(SchedulerConfig config) {
        super(config, "epsilon", "v_prediction", "sample");
    }

    @Override
    public void setTimesteps(int numInferenceSteps) {
        // unlike Euler, diffusers 0.25's LMS ignores sigma_min/sigma_max with Karras sigmas
        Schedule schedule = schedule(numInferenceSteps, null, null);
        timesteps = schedule.timesteps();
        sigmas = schedule.sigmas();
        stepIndex = -1;
        derivatives.close();
    }

    @Override
    public StepOutput step(NDArray modelOutput, float t, NDArray sample, TorchGenerator generator) {
        initStepIndex(t);
        requireStepsLeft();
        float sigma = sigmas[stepIndex];
        int order = Math.min(stepIndex + 1, ORDER);
        StepOutput out = StepOutput.scoped(sample, () -> {
            NDArray predOriginal = predictOriginal(modelOutput, sample, sigma);
            derivatives.push(sample.sub(predOriginal).div(sigma));
            NDArray sum = null;
            for (int k = 0; k < Math.min(order, derivatives.size()); k++) {
                NDArray term = derivatives.get(k).mul((float) lmsCoefficient(order, stepIndex, k));
                sum = sum == null ? term : sum.add(term);
            }
            return new StepOutput(sample.add(sum), predOriginal);
        });
        stepIndex++;
        if (stepIndex == timesteps.length) {
            derivatives.close();
        }
        return out;
    }

    /**
     * ∫ from σ_i to σ_{i+1} of the Lagrange basis polynomial ℓ_k(τ) = Π_{j≠k} (τ − σ_{i−j})/(σ_{i−k} − σ_{i−j}).
     * diffusers calls scipy's {@code quad}, whose first 21-point Gauss–Kronrod pass already meets its tolerance for a
     * polynomial of degree ≤ 3; that pass is reproduced here, nodes and sums in double, ℓ_k in float32 as diffusers'
     * tensor arithmetic evaluates it, so the coefficients are diffusers' to the last bit.
     */
    private double lmsCoefficient(int order, int i, int k) {
        double a = sigmas[i];
        double b = sigmas[i + 1];
        double centre = 0.5 * (a + b);
        double halfLength = 0.5 * (b - a);
        double resk = WGK[10] * basis(order, i, k, centre);
        for (int start = 1; start >= 0; start--) {
            // QUADPACK's dqk21 adds the 10 Gauss nodes (odd indices) first, then the Kronrod ones
            for (int j = start; j < 10; j += 2) {
                double abscissa = halfLength * XGK[j];
                double sum = basis(order, i, k, centre - abscissa) + basis(order, i, k, centre + abscissa);
                resk += WGK[j] * sum;
            }
        }
        return resk * halfLength;
    }

    private double basis(int order, int i, int k, double tau) {
        float t = (float) tau;
        float prod = 1f;
        for (int j = 0; j < order; j++) {
            if (j != k) {
                prod *= (t - sigmas[i - j]) / (sigmas[i - k] - sigmas[i - j]);
            }
        }
        return prod;
    }

    @Override
    public void close() {
        derivatives.close();
    }
}
