package dev.diffusion4j.train;

import java.nio.file.Path;

/**
 * Settings shared by the trainers.
 *
 * @param steps optimizer steps in total (a resumed run continues to this count)
 * @param warmupSteps linear learning-rate warm-up, then constant
 * @param decaySteps the last this many steps decay the learning rate linearly towards zero (0: constant to the end);
 *     with warm-up this is the warmup-stable-decay schedule (Hu et al. 2024, MiniCPM), which unlike cosine needs no
 *     total fixed in advance, so a run extended by {@code --resume} can still end on a decay
 * @param gradClip global gradient-norm clip (≤ 0: off)
 * @param checkpointEvery steps between checkpoints (and at the end)
 * @param sampleEvery steps between sample grids (≤ 0: only at the end)
 */
public record TrainOptions(Path output, int steps, int batch, float learningRate, int warmupSteps, int decaySteps,
                           float weightDecay, float gradClip, float emaDecay, long seed, int checkpointEvery,
                           int sampleEvery, boolean resume) {

    public TrainOptions {
        if (steps < 1) throw new IllegalArgumentException("--steps must be ≥ 1, got " + steps);
        if (batch < 1 || batch > 4096) throw new IllegalArgumentException("--batch must be in [1, 4096], got " + batch);
        if (!(learningRate > 0 && learningRate < 1)) {
            throw new IllegalArgumentException("--lr must be in (0, 1), got " + learningRate);
        }
        if (warmupSteps < 0) throw new IllegalArgumentException("--warmup must be ≥ 0, got " + warmupSteps);
        if (decaySteps < 0 || decaySteps > steps) {
            throw new IllegalArgumentException("--lr-decay must be in [0, --steps = " + steps + "], got " + decaySteps);
        }
        if (!(emaDecay >= 0 && emaDecay < 1)) {
            throw new IllegalArgumentException("--ema-decay must be in [0, 1), got " + emaDecay);
        }
        if (checkpointEvery < 1) {
            throw new IllegalArgumentException("--checkpoint-every must be ≥ 1, got " + checkpointEvery);
        }
    }

    /** The learning rate at 1-based {@code step}: linear warm-up, constant, then the linear decay to 1/decaySteps. */
    public float lr(long step) {
        float warm = warmupSteps == 0 || step >= warmupSteps ? learningRate : learningRate * step / warmupSteps;
        long left = steps - step + 1;
        return decaySteps == 0 || left >= decaySteps ? warm : warm * Math.max(left, 1) / decaySteps;
    }

    public Path checkpointFile() {
        return output.resolve("checkpoint.safetensors");
    }
}
