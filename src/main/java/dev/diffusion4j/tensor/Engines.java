package dev.diffusion4j.tensor;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Starts libtorch offline with explicit thread counts. Must run before the first NDManager is created: DJL reads
 * these properties once, when the engine loads.
 */
public final class Engines {

    private static volatile boolean started;

    private Engines() {}

    /**
     * Configures and loads the PyTorch engine.
     *
     * @param threads intra-op threads; {@code <= 0} keeps a value already set by {@link #configure} or
     *     {@code -Dai.djl.pytorch.num_threads}, or else uses every available core
     */
    public static Engine start(int threads) {
        configure(threads);
        Engine engine = Engine.getEngine("PyTorch");
        JniUtils.setGradMode(false);
        started = true;
        return engine;
    }

    /** Whether {@link #start} has loaded libtorch in this process. */
    public static boolean started() {
        return started;
    }

    /**
     * Sets the thread counts {@link #start} will load the engine with, without loading it (libtorch takes ~0.5 s to
     * load, which a caller may overlap with other work).
     */
    public static void configure(int threads) {
        System.setProperty("ai.djl.offline", "true");
        if (threads > 0) {
            System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
        } else if (System.getProperty("ai.djl.pytorch.num_threads") == null) {
            System.setProperty("ai.djl.pytorch.num_threads",
                    Integer.toString(Runtime.getRuntime().availableProcessors()));
        }
        if (System.getProperty("ai.djl.pytorch.num_interop_threads") == null) {
            System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        }
        // PyTorch's graph executor only matters for TorchScript models, which diffusion4j never loads.
        System.setProperty("ai.djl.pytorch.graph_optimizer", "false");
    }

    /** The intra-op thread count libtorch was (or will be) started with. */
    public static int intraOpThreads() {
        String v = System.getProperty("ai.djl.pytorch.num_threads");
        return v == null ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(v);
    }

    /** Disables autograd on the calling thread (grad mode is per thread and on by default in a new thread). */
    public static void inferenceThread() {
        JniUtils.setGradMode(false);
    }
}
