package dev.diffusion4j.train;

/** Progress of a training run: the CLI draws a bar from it. */
public interface TrainingListener {

    void onStep(long step, long total, float loss);

    /** A line worth showing (checkpoint written, sample grid, evaluation). */
    void onMessage(String message);

    /** Progress of work before the first step, such as encoding the latent cache: {@code done} of {@code total}. */
    default void onPreparing(String what, long done, long total) {}
}
