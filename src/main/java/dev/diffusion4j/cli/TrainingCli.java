package dev.diffusion4j.cli;

import dev.diffusion4j.shapes.SceneMix;
import dev.diffusion4j.train.ImageFolder;
import dev.diffusion4j.train.ShapesData;
import dev.diffusion4j.train.TrainOptions;
import dev.diffusion4j.train.TrainingData;
import dev.diffusion4j.train.TrainingListener;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options and output shared by the training commands. */
final class TrainingCli {

    @Option(names = "--data", required = true, description = "'shapes' (the built-in ShapesWorld generator) or a "
            + "folder of NAME.png + NAME.txt caption pairs.")
    String data;

    @Option(names = "--scene-mix", description = "With --data shapes: how samples divide among scene types, e.g. "
            + "single=0.3,counting=0.35,pair=0.35,positioned=1,located=0.9 (relative weights; positioned: the chance "
            + "a single shape sits in a named region; located: the chance such a shape is captioned with it, -1: any "
            + "true caption). Names left out keep the default, single=0.4,counting=0.25,pair=0.35,positioned=0.6,"
            + "located=-1.0.")
    String sceneMix;

    @Option(names = {"-o", "--output"}, required = true, description = "Output folder (checkpoint, samples, model).")
    Path output;

    @Option(names = "--steps", defaultValue = "10000", description = "Optimizer steps (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--batch", defaultValue = "32", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--lr", defaultValue = "1e-3", description = "Peak learning rate (default: ${DEFAULT-VALUE}).")
    float lr;

    @Option(names = "--warmup", defaultValue = "200", description = "Warm-up steps (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--lr-decay", defaultValue = "0", description = "Decay the learning rate linearly towards zero over "
            + "the last N steps (warmup-stable-decay; 0: constant, the default). A --resume may add it to a run.")
    int lrDecay;

    @Option(names = "--weight-decay", defaultValue = "0.01", description = "AdamW decay (default: ${DEFAULT-VALUE}).")
    float weightDecay;

    @Option(names = "--grad-clip", defaultValue = "1.0", description = "Gradient-norm clip (default: ${DEFAULT-VALUE}).")
    float gradClip;

    @Option(names = "--ema-decay", defaultValue = "0.999", description = "EMA decay (default: ${DEFAULT-VALUE}).")
    float emaDecay;

    @Option(names = "--seed", defaultValue = "0", description = "Seed for data order and noise (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--checkpoint-every", defaultValue = "250", description = "Steps between checkpoints "
            + "(default: ${DEFAULT-VALUE}).")
    int checkpointEvery;

    @Option(names = "--sample-every", defaultValue = "1000", description = "Steps between sample grids "
            + "(default: ${DEFAULT-VALUE}).")
    int sampleEvery;

    @Option(names = "--resume", description = "Continue the checkpoint in --output.")
    boolean resume;

    @Option(names = "--resolution", defaultValue = "64", description = "Image size in pixels (default: ${DEFAULT-VALUE}).")
    int resolution;

    @Option(names = {"-t", "--threads"}, description = "libtorch threads (default: all cores).")
    int threads;

    TrainOptions options() {
        try {
            return new TrainOptions(output, steps, batch, lr, warmup, lrDecay,
                    weightDecay, gradClip, emaDecay, seed, checkpointEvery, sampleEvery, resume);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /** The training data named by {@code --data}; a missing or malformed folder is a usage error. */
    TrainingData trainingData() {
        if (resolution < 16 || resolution % 8 != 0) {
            throw new UsageException("--resolution must be a multiple of 8, at least 16, got " + resolution);
        }
        if (data.equals("shapes")) {
            return new ShapesData(seed, sceneMix(), resolution);
        }
        if (sceneMix != null) {
            throw new UsageException("--scene-mix applies to --data shapes only, not to the folder " + data);
        }
        try {
            return ImageFolder.open(Path.of(data));
        } catch (IOException e) {
            throw new UsageException(e.getMessage());
        }
    }

    private SceneMix sceneMix() {
        try {
            return sceneMix == null ? SceneMix.DEFAULT : SceneMix.parse(sceneMix);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--scene-mix: " + e.getMessage());
        }
    }

    /** Held-out images: a differently seeded ShapesWorld, or the folder itself (no split is made). */
    TrainingData heldOut(TrainingData train) {
        return data.equals("shapes") ? new ShapesData(seed + 7919, resolution) : train;
    }

    static TrainingListener progress(String label) {
        ProgressBar bar = new ProgressBar(System.err, label, "it");
        return new TrainingListener() {
            private ProgressBar preparing;

            @Override
            public void onStep(long step, long total, float loss) {
                bar.update(step, total, String.format("loss %.4f", loss));
            }

            @Override
            public void onPreparing(String what, long done, long total) {
                if (preparing == null) {
                    preparing = new ProgressBar(System.err, what, "img");
                }
                preparing.update(done, total);
                if (done >= total) {
                    preparing = null;
                }
            }

            @Override
            public void onMessage(String message) {
                bar.close();
                System.err.println(message);
            }
        };
    }
}
