package dev.diffusion4j.train;

/** Progress of a training run: the CLI draws a bar from it. */
public interface TrainingListener {

    void onStep(long step, long total, float loss);

    /** A line worth showing (checkpoint written, sample grid, evaluation). */
    void onMessage(String message);
}
