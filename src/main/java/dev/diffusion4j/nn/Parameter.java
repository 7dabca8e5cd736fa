package dev.diffusion4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** One named weight of a {@link Module}: its expected shape and, once loaded or initialised, its value. */
public final class Parameter {

    private final Shape shape;
    private NDArray value;

    Parameter(Shape shape) {
        this.shape = shape;
    }

    public Shape shape() {
        return shape;
    }

    /** The value; fails clearly when the model was built but never loaded or initialised. */
    public NDArray array() {
        if (value == null) {
            throw new IllegalStateException("parameter of shape " + shape + " has no value: load or initialise the model");
        }
        return value;
    }

    void set(NDArray value) {
        if (!value.getShape().equals(shape)) {
            throw new IllegalArgumentException("expected shape " + shape + ", got " + value.getShape());
        }
        if (this.value != null && this.value != value) {
            this.value.close();
        }
        this.value = value;
    }

    /** Sets a value of the same shape and returns the previous one, not closed: the caller keeps or frees it. */
    NDArray replace(NDArray value) {
        if (!value.getShape().equals(shape)) {
            throw new IllegalArgumentException("expected shape " + shape + ", got " + value.getShape());
        }
        NDArray old = this.value;
        this.value = value;
        return old;
    }

    boolean isSet() {
        return value != null;
    }
}
