package dev.diffusion4j.schedulers;

import ai.djl.ndarray.NDArray;
import dev.diffusion4j.random.TorchGenerator;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * UniPC (Zhao et al. 2023, "UniPC: A Unified Predictor-Corrector Framework for Fast Sampling of Diffusion Models"),
 * diffusers 0.25's {@code UniPCMultistepScheduler}: each step first corrects the sample the previous step predicted
 * with the model output just computed there (UniC, Algorithm 2 / eq. 8, one order higher at no extra model call),
 * then predicts the next sample from the corrected one (UniP, Algorithm 1 / eq. 6). B(h) is h ("bh1") or e^h − 1
 * ("bh2", the default); predict_x0 chooses the data-prediction form (default) or the noise-prediction one; the order
 * warms up from 1 and, with lower_order_final, falls to 1 at the last step whatever the step count;
 * disable_corrector lists the steps whose correction is skipped; Karras sigmas.
 *
 * <p>As diffusers 0.25: DPM-Solver / DEIS solver types ("midpoint", "heun", "logrho") become "bh2"; the schedule ends
 * at σ(t = 0) (σmin with Karras sigmas); {@code init_noise_sigma} is 1, the model input is not scaled. Not
 * implemented: solver_p (another scheduler as predictor) and thresholding. The coefficients ρ of eq. 6/8 come from a
 * small float32 linear system (the corrector at order 2 solves [[1, 1], [r₁, 1]]·ρ = b), solved here by Gaussian
 * elimination with partial pivoting as LAPACK's {@code sgesv} that {@code torch.linalg.solve} calls.
 */
public final class UniPCMultistepScheduler extends VpMultistepScheduler {

    /** The registry entry: diffusers 0.25.1 defaults, in signature order. */
    static final SchedulerSpec SPEC = new SchedulerSpec("UniPCMultistepScheduler",
            SchedulerSpec.defaults(0.0001, 0.02,
                    "solver_order", 2.0, "prediction_type", "epsilon", "thresholding", false,
                    "dynamic_thresholding_ratio", 0.995, "sample_max_value", 1.0, "predict_x0", true,
                    "solver_type", "bh2", "lower_order_final", true, "disable_corrector", List.of(),
                    "solver_p", null, "use_karras_sigmas", false, "timestep_spacing", "linspace",
                    "steps_offset", 0.0),
            UniPCMultistepScheduler::new,
            List.of(new SamplerSpec("unipc", "UniPC", List.of("unipcmultistep"), Map.of())));

    private final boolean predictX0;
    private final boolean bh2;
    private final int[] disableCorrector;
    /** The order of the last predictor step, which its correction in the next step uses. */
    private int thisOrder;
    /** The (corrected) sample the last predictor started from; empty before the first step. */
    private final StepHistory lastSample = new StepHistory(1);

    public UniPCMultistepScheduler(SchedulerConfig config) {
        super(canonical(config), false);
        int order = this.config.solverOrder();
        if (order < 1) {
            throw new IllegalArgumentException("UniPCMultistepScheduler: solver_order must be positive, got " + order);
        }
        rejectThresholding();
        if (this.config.get("solver_p") != null) {
            throw new UnsupportedOperationException("UniPCMultistepScheduler: solver_p is not supported");
        }
        this.predictX0 = Boolean.TRUE.equals(this.config.get("predict_x0"));
        this.bh2 = this.config.solverType().equals("bh2");
        Object disabled = this.config.get("disable_corrector");
        this.disableCorrector = disabled instanceof List<?> list
                ? list.stream().mapToInt(v -> ((Number) v).intValue()).toArray() : new int[0];
    }

    /** diffusers' constructor rewrites DPM-Solver / DEIS solver types to "bh2" (register_to_config). */
    private static SchedulerConfig canonical(SchedulerConfig c) {
        return ownName(c, "UniPCMultistepScheduler", "solver_type", c.solverType(), List.of("bh1", "bh2"),
                List.of("midpoint", "heun", "logrho"), "bh2");
    }

    @Override
    public StepOutput step(NDArray modelOutput, float t, NDArray sample, TorchGenerator generator) {
        initStepIndex(t);
        int n = timesteps.length;
        boolean correct = stepIndex > 0 && !disabled(stepIndex - 1) && lastSample.size() > 0;
        int order = config.solverOrder();
        int nextOrder = Math.min(config.lowerOrderFinal() ? Math.min(order, n - stepIndex) : order, lowerOrderNums + 1);
        StepOutput out = StepOutput.scoped(sample, () -> {
            NDArray converted = convertModelOutput(modelOutput, sample, predictX0);
            NDArray x = correct ? corrector(converted, sample) : sample.duplicate();
            modelOutputs.push(converted);
            lastSample.push(x);
            return new StepOutput(predictor(x, nextOrder), null);
        });
        thisOrder = nextOrder;
        advance();
        return out;
    }

    private boolean disabled(int step) {
        for (int d : disableCorrector) {
            if (d == step) {
                return true;
            }
        }
        return false;
    }

    @Override
    void releaseHistory() {
        super.releaseHistory();
        lastSample.close();
    }

    /**
     * UniP-p (Algorithm 1, eq. 6) from the current σ to the next: the exponential-integrator (DDIM) step from the
     * newest output plus B(h)·Σ ρ_k·D_k over the divided differences D_k = (m_k − m_0)/r_k of the p − 1 older
     * outputs, with ρ = 1/2 at p = 2 and the solution of the order conditions (eq. 7) above.
     */
    private NDArray predictor(NDArray x, int order) {
        int i = stepIndex;
        Coefficients c = new Coefficients(sigmas[i + 1], sigmas[i], order, i - 1);
        NDArray m0 = modelOutputs.get(0);
        NDArray res = null;
        if (order > 1) {
            float[] rhos = order == 2 ? new float[] {0.5f} : solve(c.r, c.b, order - 1);
            res = weighted(rhos, c.rks, order - 1, m0, 1);
        }
        return c.update(x, m0, res);
    }

    /**
     * UniC-p (Algorithm 2, eq. 8): redoes the last step, from the sample it started at to the current σ, adding the
     * difference between the model output at the predicted sample ({@code converted}) and the one the step used.
     */
    private NDArray corrector(NDArray converted, NDArray sample) {
        int order = thisOrder;
        int i = stepIndex;
        Coefficients c = new Coefficients(sigmas[i], sigmas[i - 1], order, i - 2);
        NDArray m0 = modelOutputs.get(0);
        float[] rhos = order == 1 ? new float[] {0.5f} : solve(c.r, c.b, order);
        NDArray res = order > 1 ? weighted(rhos, c.rks, order - 1, m0, 1) : null;
        NDArray dt = converted.sub(m0).mul(rhos[rhos.length - 1]);
        return c.update(lastSample.get(0), m0, res == null ? dt : res.add(dt));
    }

    /** Σ_k ρ_k·D_k with D_k = (m_k − m_0)/r_k, m_k the history entry {@code first + k} back. */
    private NDArray weighted(float[] rhos, float[] rks, int count, NDArray m0, int first) {
        NDArray sum = null;
        for (int k = 0; k < count; k++) {
            NDArray term = modelOutputs.get(first + k).sub(m0).div(rks[k]).mul(rhos[k]);
            sum = sum == null ? term : sum.add(term);
        }
        return sum;
    }

    /**
     * The scalars of one UniP/UniC update from σ_s0 to σ_t: h = λ_t − λ_s0, h·φ₁ = e^{∓h} − 1, B(h), the ratios
     * r_k = (λ_{s_k} − λ_s0)/h of the older points (r = 1 appended) and the order conditions R·ρ = b of eq. 7, with
     * R_{jk} = r_k^j and b_j = j!·h·φ_{j+1}(h)/B(h), all float32 as diffusers computes them.
     */
    private final class Coefficients {

        final VpGrid.Vp t;
        final VpGrid.Vp s0;
        final float hPhi1;
        final float bH;
        final float[] rks;
        final float[][] r;
        final float[] b;

        /** @param olderIndex schedule index of the first older point (s1); s_k is {@code olderIndex − k + 1} */
        Coefficients(float sigmaT, float sigmaS0, int order, int olderIndex) {
            t = VpGrid.Vp.of(sigmaT);
            s0 = VpGrid.Vp.of(sigmaS0);
            float lambdaS0 = s0.lambda();
            float h = t.lambda() - lambdaS0;
            rks = new float[order];
            for (int k = 0; k < order - 1; k++) {
                rks[k] = (VpGrid.Vp.of(sigmas[olderIndex - k]).lambda() - lambdaS0) / h;
            }
            rks[order - 1] = 1f;
            float hh = predictX0 ? -h : h;
            hPhi1 = (float) Math.expm1(hh);
            bH = bh2 ? hPhi1 : hh;
            r = new float[order][order];
            b = new float[order];
            float hPhiK = hPhi1 / hh - 1f;
            int factorial = 1;
            for (int j = 0; j < order; j++) {
                for (int k = 0; k < order; k++) {
                    r[j][k] = power(rks[k], j);
                }
                b[j] = hPhiK * factorial / bH;
                factorial *= j + 2;
                hPhiK = hPhiK / hh - (float) (1.0 / factorial);
            }
        }

        /** The DDIM part from x at s0 to t minus B(h)·res (eq. 6 / 8 in the x̂₀ or ε̂ form). */
        NDArray update(NDArray x, NDArray m0, NDArray res) {
            NDArray base = predictX0
                    ? x.mul(t.sigma() / s0.sigma()).sub(m0.mul(t.alpha() * hPhi1))
                    : x.mul(t.alpha() / s0.alpha()).sub(m0.mul(t.sigma() * hPhi1));
            return res == null ? base : base.sub(res.mul((predictX0 ? t.alpha() : t.sigma()) * bH));
        }
    }

    /** torch.pow(x, j) in float32: 1, x, x·x, x·x·x, else pow. */
    private static float power(float x, int j) {
        return switch (j) {
            case 0 -> 1f;
            case 1 -> x;
            case 2 -> x * x;
            case 3 -> x * x * x;
            default -> (float) Math.pow(x, j);
        };
    }

    /** The leading n×n system R·ρ = b, by LU with partial pivoting in float32 (LAPACK sgesv's arithmetic). */
    static float[] solve(float[][] r, float[] b, int n) {
        float[][] a = new float[n][];
        for (int i = 0; i < n; i++) {
            a[i] = Arrays.copyOf(r[i], n);
        }
        float[] y = Arrays.copyOf(b, n);
        for (int k = 0; k < n; k++) {
            int p = k;
            for (int i = k + 1; i < n; i++) {
                if (Math.abs(a[i][k]) > Math.abs(a[p][k])) {
                    p = i;
                }
            }
            float[] row = a[k];
            a[k] = a[p];
            a[p] = row;
            float yk = y[k];
            y[k] = y[p];
            y[p] = yk;
            float inv = 1f / a[k][k];
            for (int i = k + 1; i < n; i++) {
                a[i][k] *= inv;
                for (int j = k + 1; j < n; j++) {
                    a[i][j] -= a[i][k] * a[k][j];
                }
            }
        }
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < i; j++) {
                y[i] -= a[i][j] * y[j];
            }
        }
        for (int i = n - 1; i >= 0; i--) {
            y[i] /= a[i][i];
            for (int j = 0; j < i; j++) {
                y[j] -= a[j][i] * y[i];
            }
        }
        return y;
    }
}
