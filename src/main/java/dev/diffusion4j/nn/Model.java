package dev.diffusion4j.nn;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.function.Predicate;

/** A top-level module that owns the NDManager holding its weights; closing the model frees them. */
public abstract class Model extends Module implements AutoCloseable {

    private final NDManager manager;

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
            return model;
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /** Initialises {@code model} with random weights, deterministic per seed. */
    protected static <M extends Model> M randomized(M model, DataType dtype, long seed) {
        Weights.initRandom(model, model.manager(), dtype, seed);
        return model;
    }

    @Override
    public void close() {
        if (manager != null) {
            manager.close();
        }
    }
}
