package dev.diffusion4j.pipelines;

import ai.djl.ndarray.NDArray;

/** Receives progress from a running generation and can cancel it. Arrays passed in are valid only during the call. */
public interface GenerationListener {

    /** One finished denoising step: the new latents and the raw UNet output (the CFG batch when guiding). */
    record Step(int index, int total, float timestep, NDArray latents, NDArray unetOutput) {}

    default void onStep(Step step) {}

    /** Polled before each step; true stops the generation with a {@link java.util.concurrent.CancellationException}. */
    default boolean isCancelled() {
        return false;
    }

    GenerationListener NONE = new GenerationListener() {};
}
