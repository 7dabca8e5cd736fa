package dev.diffusion4j.schedulers;

/** A scheduler that walks a table of noise levels σ (k-diffusion style and DPM-Solver): tests and tools read it. */
public interface SigmaSchedule {

    /** The σ of each timestep of the last {@code setTimesteps}, plus the final one, float32. */
    float[] sigmas();
}
