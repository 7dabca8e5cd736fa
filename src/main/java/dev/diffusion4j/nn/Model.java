package dev.diffusion4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.diffusion4j.tensor.Precision;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/** A top-level module that owns the NDManager holding its weights; closing the model frees them. */
public abstract class Model extends Module implements AutoCloseable {

    private final NDManager manager;
    /** The dtype the weights were loaded or initialised in, which is the dtype the model computes in. */
    private DataType dtype = DataType.FLOAT32;
    /** The loaded values of patched parameters, by name, so that {@link #restore} is exact. */
    private final Map<String, NDArray> originals = new LinkedHashMap<>();

    /** @param manager the weights' manager, or null for a model built only to inspect its parameter shapes */
    protected Model(NDManager manager) {
        this.manager = manager;
    }

    public final NDManager manager() {
        return manager;
    }

    /** Loads {@code model}'s weights strictly (see {@link Weights#load}); on failure the model is closed. */
    protected static <M extends Model> M loaded(M model, WeightSource weights, DataType dtype,
                                                Predicate<String> ignorable) {
        try {
            Weights.load(model, weights, "", model.manager(), dtype, ignorable);
            ((Model) model).dtype = dtype;
            return model;
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /** Initialises {@code model} with random weights, deterministic per seed. */
    protected static <M extends Model> M randomized(M model, DataType dtype, long seed) {
        Weights.initRandom(model, model.manager(), dtype, seed);
        ((Model) model).dtype = dtype;
        return model;
    }

    /** The dtype of the weights and the computation (float32 or bfloat16). */
    public final DataType dtype() {
        return dtype;
    }

    /**
     * An input in the model's compute dtype: {@code x} itself for a float32 model (float32 inputs), else a converted
     * copy. Latents and embeddings stay float32 outside the models; only the models compute in bf16.
     */
    protected final NDArray computeInput(NDArray x) {
        return Precision.cast(x, dtype);
    }

    /**
     * Replaces parameter {@code name} by {@code update(current value)} in place, for a long-lived model whose weights
     * change between requests (a LoRA merged at W + ΔW, then switched off). The loaded value is kept until
     * {@link #restore}, so restoring is bit-exact rather than W + ΔW − ΔW. Patching a patched parameter replaces the
     * patch (the loaded value stays the one kept).
     *
     * @param update the new value from the current one; it must have the parameter's shape; it is moved into this
     *     model's manager
     * @throws IllegalArgumentException for an unknown name or a wrong shape
     */
    public final void patch(String name, UnaryOperator<NDArray> update) {
        Parameter p = namedParameters().get(name);
        if (p == null) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " has no parameter '" + name + "'");
        }
        NDArray next = update.apply(p.array());
        next.attach(manager);
        NDArray previous = p.replace(next);
        if (originals.containsKey(name)) {
            previous.close();
        } else {
            originals.put(name, previous);
        }
    }

    /** Puts back the loaded value of every patched parameter and frees the patches. */
    public final void restore() {
        Map<String, Parameter> params = namedParameters();
        originals.forEach((name, original) -> params.get(name).replace(original).close());
        originals.clear();
    }

    /** The names of the parameters currently patched. */
    public final Set<String> patched() {
        return Collections.unmodifiableSet(originals.keySet());
    }

    @Override
    public void close() {
        if (manager != null) {
            manager.close();
        }
    }
}
