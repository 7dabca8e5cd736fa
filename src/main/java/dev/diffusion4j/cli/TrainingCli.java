package dev.diffusion4j.cli;

import dev.diffusion4j.shapes.SceneMix;
import dev.diffusion4j.train.ImageFolder;
import dev.diffusion4j.train.OutputFolder;
import dev.diffusion4j.train.ShapesData;
import dev.diffusion4j.train.TrainOptions;
import dev.diffusion4j.train.TrainingData;
import dev.diffusion4j.train.TrainingListener;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
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
    Integer threads;

    /** Largest {@code --resolution}: 4× the native size of SDXL, far beyond what CPU training can afford. */
    static final int MAX_RESOLUTION = 4096;

    /**
     * Largest batch of input images in floats (1 GiB): the activations of a training step are many times this, and a
     * Java array holds at most 2³¹ − 1.
     */
    static final long MAX_BATCH_FLOATS = 1L << 28;

    /** Most threads {@code -t} may ask for per core: more only contend (100 000 started 8 000 threads and hung). */
    static final int THREADS_PER_CORE = 4;

    /**
     * The settings of the run, with its {@code --output} checked ({@link OutputFolder#check}): nothing is loaded or
     * written for a run that would resume nothing or replace another run's results.
     *
     * @param exportName the folder of {@code --output} the command exports to
     */
    TrainOptions options(String exportName) {
        TrainOptions o;
        try {
            o = new TrainOptions(output, steps, batch, lr, warmup, lrDecay,
                    weightDecay, gradClip, emaDecay, seed, checkpointEvery, sampleEvery, resume);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        long floats = (long) batch * 3 * resolution * resolution;
        if (floats > MAX_BATCH_FLOATS) {
            throw new UsageException(String.format(Locale.ROOT, "--batch %d at --resolution %d is %.1f GiB of input "
                    + "images alone (at most %d GiB): lower --batch or --resolution", batch, resolution,
                    floats * 4 / (double) (1L << 30), MAX_BATCH_FLOATS * 4 >> 30));
        }
        try {
            OutputFolder.check(o, exportName);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        return o;
    }

    /** {@code -t}: 0 when not given (all cores); else checked to be in [1, {@value #THREADS_PER_CORE} × cores]. */
    int threads() {
        return threads(threads);
    }

    static int threads(Integer threads) {
        if (threads == null) {
            return 0;
        }
        int cores = Runtime.getRuntime().availableProcessors();
        int max = THREADS_PER_CORE * cores;
        if (threads < 1 || threads > max) {
            throw new UsageException("-t/--threads must be in [1, " + max + "] (" + THREADS_PER_CORE + " × " + cores
                    + " cores; leave it out to use every core), got " + threads);
        }
        return threads;
    }

    /** A usage error unless {@code min ≤ value ≤ max}, naming the flag and the range. */
    static void requireRange(String flag, double value, double min, double max) {
        if (!(value >= min && value <= max)) {
            throw new UsageException(flag + " must be in [" + number(min) + ", " + number(max) + "], got "
                    + number(value));
        }
    }

    private static String number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }

    /**
     * A {@code block_out_channels} flag: one to {@value #MAX_LEVELS} levels of 1 to {@value #MAX_CHANNELS} channels,
     * each divisible by every divisor given (named in the message: GroupNorm's groups, attention heads).
     */
    static void requireChannels(String flag, int[] channels, String divisorName, int divisor) {
        if (channels.length < 1 || channels.length > MAX_LEVELS) {
            throw new UsageException(flag + " must list 1 to " + MAX_LEVELS + " levels, got " + channels.length);
        }
        for (int c : channels) {
            if (c < 1 || c > MAX_CHANNELS) {
                throw new UsageException(flag + " entries must be in [1, " + MAX_CHANNELS + "], got "
                        + Arrays.toString(channels));
            }
            if (c % divisor != 0) {
                throw new UsageException(flag + " " + Arrays.toString(channels) + ": " + c + " is not divisible by "
                        + divisorName + " " + divisor);
            }
        }
    }

    /** Most levels of a channels flag (each halves the size: SD has 4). */
    static final int MAX_LEVELS = 6;

    /** Most channels per level (SD's widest is 1280). */
    static final int MAX_CHANNELS = 4096;

    /**
     * A usage error unless {@code --resolution} halves exactly at each of {@code levels} levels after the VAE's
     * {@code scale}: the down blocks and the up blocks that mirror them must meet at the same sizes.
     */
    void requireHalvable(int scale, int levels, String levelsFlag) {
        long multiple = (long) scale << (levels - 1);
        if (resolution % multiple != 0) {
            throw new UsageException("--resolution must be a multiple of " + multiple + " for the " + levels
                    + " levels of " + levelsFlag + (scale > 1 ? " on a VAE that downsamples " + scale + "×" : "")
                    + ", got " + resolution);
        }
    }

    /** The training data named by {@code --data}; a missing or malformed folder is a usage error. */
    TrainingData trainingData() {
        if (resolution < 16 || resolution > MAX_RESOLUTION || resolution % 8 != 0) {
            throw new UsageException("--resolution must be a multiple of 8 in [16, " + MAX_RESOLUTION + "], got "
                    + resolution);
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
