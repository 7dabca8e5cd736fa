package dev.diffusion4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import dev.diffusion4j.nn.Parameter;
import dev.diffusion4j.tensor.Tensors;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AdamW (Loshchilov &amp; Hutter, "Decoupled Weight Decay Regularization", Alg. 2) with global gradient-norm
 * clipping, updating parameters in place. Moments live in the parameters' own manager and are part of a checkpoint
 * ({@link #state()}), so training resumes exactly.
 */
public final class AdamW {

    private final Map<String, Parameter> params;
    private final Map<String, NDArray> m = new LinkedHashMap<>();
    private final Map<String, NDArray> v = new LinkedHashMap<>();
    private final float beta1;
    private final float beta2;
    private final float eps;
    private final float weightDecay;
    private long step;
    private long skipped;
    private final List<String> nonFinite = new ArrayList<>();

    public AdamW(Map<String, Parameter> params, float beta1, float beta2, float eps, float weightDecay) {
        this.params = params;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            NDArray w = e.getValue().array();
            m.put(e.getKey(), w.zerosLike());
            v.put(e.getKey(), w.zerosLike());
        }
    }

    public long stepCount() {
        return step;
    }

    /**
     * The parameters whose gradient was not finite at the last step, in registration order (empty when it was). The
     * last of them in forward order bounds where a NaN entered backward.
     */
    public List<String> nonFiniteParameters() {
        return List.copyOf(nonFinite);
    }

    /** Parameters updated by this optimizer. */
    public int parameterCount() {
        return params.size();
    }

    /** Updates skipped because the gradient was not finite. */
    public long skippedSteps() {
        return skipped;
    }

    /**
     * One update with learning rate {@code lr}, after clipping the global gradient norm to {@code maxNorm} (≤ 0: no
     * clipping). Gradients are reset to zero afterwards. Returns the gradient norm before clipping; when it is not
     * finite the update is skipped (counted in {@link #skippedSteps()}).
     */
    public float step(float lr, float maxNorm) {
        step++;
        float norm;
        try (NDScope s = new NDScope()) {
            List<NDArray> grads = new ArrayList<>();
            double sq = 0;
            nonFinite.clear();
            for (Map.Entry<String, Parameter> e : params.entrySet()) {
                NDArray g = e.getValue().array().getGradient();
                grads.add(g);
                float part = g.square().sum().getFloat();
                if (!Float.isFinite(part)) {
                    nonFinite.add(e.getKey());
                }
                sq += part;
            }
            norm = (float) Math.sqrt(sq);
            if (!Float.isFinite(norm)) {
                // a non-finite gradient would poison every weight and the moments: skip the update, and reset the
                // gradients by overwriting (g − g stays NaN for NaN or infinite entries)
                for (NDArray g : grads) {
                    Tensors.assign(g, new float[Math.toIntExact(g.size())]);
                }
                skipped++;
                return norm;
            }
            float clip = maxNorm > 0 && norm > maxNorm ? maxNorm / (norm + 1e-6f) : 1f;
            float bc1 = 1 - (float) Math.pow(beta1, step);
            float bc2 = 1 - (float) Math.pow(beta2, step);
            int i = 0;
            for (Map.Entry<String, Parameter> e : params.entrySet()) {
                NDArray w = e.getValue().array();
                NDArray g = grads.get(i++);
                if (clip != 1f) {
                    g = g.mul(clip);
                }
                NDArray mi = m.get(e.getKey());
                NDArray vi = v.get(e.getKey());
                mi.muli(beta1).addi(g.mul(1 - beta1));
                vi.muli(beta2).addi(g.square().mul(1 - beta2));
                // decoupled decay, then the Adam step: w ← w − lr·λ·w − lr·m̂/(√v̂ + ε)
                if (weightDecay > 0) {
                    w.subi(w.mul(lr * weightDecay));
                }
                w.subi(mi.div(bc1).div(vi.div(bc2).sqrt().add(eps)).mul(lr));
            }
            for (NDArray g : grads) {
                g.subi(g);
            }
        }
        return norm;
    }

    /** Moments and step count by name ({@code adam_m.<param>}, {@code adam_v.<param>}), for checkpoints. */
    public Map<String, NDArray> state() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        m.forEach((k, a) -> out.put("adam_m." + k, a));
        v.forEach((k, a) -> out.put("adam_v." + k, a));
        return out;
    }

    /** Restores {@link #state()} and the step count from a checkpoint. */
    public void load(Map<String, NDArray> state, long steps) {
        for (Map.Entry<String, NDArray> e : m.entrySet()) {
            Tensors.assign(e.getValue(), state.get("adam_m." + e.getKey()));
        }
        for (Map.Entry<String, NDArray> e : v.entrySet()) {
            Tensors.assign(e.getValue(), state.get("adam_v." + e.getKey()));
        }
        this.step = steps;
    }
}
