package dev.diffusion4j.train;

import ai.djl.ndarray.NDArray;
import dev.diffusion4j.nn.Parameter;
import dev.diffusion4j.tensor.Tensors;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a trainer updates and checkpoints: the parameters (made trainable), their AdamW moments and EMA copy.
 * Names in checkpoints: {@code model.<param>}, {@code ema.<param>}, {@code adam_m.<param>}, {@code adam_v.<param>}.
 */
final class TrainState implements AutoCloseable {

    final Map<String, Parameter> params;
    final AdamW adam;
    final Ema ema;

    TrainState(Map<String, Parameter> params, TrainOptions o) {
        this.params = params;
        params.values().forEach(p -> p.array().setRequiresGradient(true));
        this.adam = new AdamW(params, 0.9f, 0.999f, 1e-8f, o.weightDecay());
        this.ema = new Ema(params, o.emaDecay());
    }

    /**
     * One optimizer step at 1-based {@code step}: AdamW with the scheduled learning rate, then the EMA update. A step
     * whose gradient is not finite is skipped by AdamW and reported, so a run that keeps diverging is visible.
     */
    float step(TrainOptions o, long step, TrainingListener listener) {
        float norm = adam.step(o.lr(step), o.gradClip());
        if (!Float.isFinite(norm)) {
            List<String> bad = adam.nonFiniteParameters();
            // a sum of finite squares cannot overflow the double it is summed in: some part is not finite
            String where = "in " + bad.size() + " of " + adam.parameterCount() + " parameters, first " + bad.get(0)
                    + (bad.size() > 1 ? ", last " + bad.get(bad.size() - 1) : "");
            listener.onMessage("step " + step + ": gradient norm " + norm + " (" + where + "), update skipped ("
                    + adam.skippedSteps() + " so far)");
        }
        ema.update();
        return norm;
    }

    Map<String, NDArray> tensors() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        params.forEach((k, p) -> out.put("model." + k, p.array()));
        ema.weights().forEach((k, a) -> out.put("ema." + k, a));
        out.putAll(adam.state());
        return out;
    }

    /** Copies a checkpoint's values into this state's arrays (names and shapes were checked by the caller's load). */
    void restore(Checkpoint c) {
        Map<String, NDArray> model = c.section("model.");
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            NDArray src = model.get(e.getKey());
            if (src == null || !src.getShape().equals(e.getValue().shape())) {
                throw new IllegalArgumentException("checkpoint lacks model." + e.getKey() + " of shape "
                        + e.getValue().shape());
            }
            Tensors.assign(e.getValue().array(), src);
        }
        adam.load(c.tensors(), c.step());
        ema.load(c.section("ema."), c.step());
    }

    @Override
    public void close() {
        ema.close();
    }
}
