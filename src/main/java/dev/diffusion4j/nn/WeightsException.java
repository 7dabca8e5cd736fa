package dev.diffusion4j.nn;

/** Weights that do not fit the model: missing, unexpected or mis-shaped keys. */
public final class WeightsException extends RuntimeException {
    public WeightsException(String message) {
        super(message);
    }
}
