package dev.diffusion4j.schedulers;

import ai.djl.ndarray.NDArray;

/**
 * The result of one {@link Scheduler#step}: new arrays owned by the caller, in the manager of the {@code sample}
 * passed to the step. Close both when done with them.
 *
 * @param prevSample x_{t−1}, the sample at the previous (less noisy) timestep
 * @param predOriginalSample the predicted x₀ where the scheduler computes one (DDIM, DDPM, LMS, Euler, Euler
 *     ancestral), else null (PNDM, Heun, DPM-Solver)
 */
public record StepOutput(NDArray prevSample, NDArray predOriginalSample) {}
