package dev.diffusion4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.diffusion4j.nn.Parameter;
import dev.diffusion4j.tensor.Tensors;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Exponential moving average of weights, {@code ema ← d·ema + (1 − d)·w}, with the warm-up
 * {@code d = min(decay, (1 + n)/(10 + n))} used by diffusers' EMAModel so early averages are not dominated by the
 * random initialisation. The averaged weights are what gets shipped.
 */
public final class Ema implements AutoCloseable {

    private final NDManager manager;
    private final Map<String, Parameter> params;
    private final Map<String, NDArray> shadow = new LinkedHashMap<>();
    private final float decay;
    private long updates;

    public Ema(Map<String, Parameter> params, float decay) {
        this.manager = NDManager.newBaseManager();
        this.params = params;
        this.decay = decay;
        params.forEach((k, p) -> shadow.put(k, p.array().duplicate()));
        shadow.values().forEach(a -> {
            a.attach(manager);
            a.setRequiresGradient(false);
        });
    }

    public void update() {
        updates++;
        float d = Math.min(decay, (1f + updates) / (10f + updates));
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            NDArray s = shadow.get(e.getKey());
            NDArray w = e.getValue().array();
            NDArray delta = s.sub(w).mul(1 - d);
            s.subi(delta);
            delta.close();
        }
    }

    /** The averaged weights by parameter name. */
    public Map<String, NDArray> weights() {
        return shadow;
    }

    public long updates() {
        return updates;
    }

    /** Restores averaged weights and the update count from a checkpoint. */
    public void load(Map<String, NDArray> weights, long updates) {
        shadow.forEach((k, a) -> Tensors.assign(a, weights.get(k)));
        this.updates = updates;
    }

    @Override
    public void close() {
        manager.close();
    }
}
