package dev.diffusion4j.tensor;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.util.Platform;
import ai.djl.util.Utils;
import ai.djl.util.cuda.CudaUtils;
import dev.diffusion4j.io.NativeCache;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.lang.reflect.Array;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

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
        boolean preloaded = awaitPreload();
        configure(threads);
        checkNativeCache();
        Engine engine = Engine.getEngine("PyTorch");
        if (preloaded) {
            // loaded with the preload's thread count; libtorch threads started later read the new one
            JniUtils.setNumThreads(intraOpThreads());
        }
        JniUtils.setGradMode(false);
        started = true;
        return engine;
    }

    /**
     * Starts loading libtorch on a background thread, so that a command can parse its arguments and read its inputs
     * meanwhile ({@link #start} then waits for it). Loading takes ~0.35 s of a ~1 s {@code generate}, nearly all of it
     * in libtorch's static constructors (operator registration), which glibc runs holding its dynamic-loader lock.
     * The JVM links each JNI method on its first call through {@code dlsym}, which needs that lock, so any thread
     * calling a JDK native method for the first time would wait out the whole load: the methods a command needs
     * early (files, reflection, environment) are linked here first, while the background thread checks DJL's cache.
     * The thread then maps the cached libtorch itself, before DJL's engine discovery (service loading, platform and
     * CUDA probes: ~40 ms), which then finds it loaded. A failure to load is left to {@link #start} to report. Does
     * nothing once started or preloading.
     *
     * @param beforeLoading run on the calling thread before the load starts, for a caller's own first uses of native
     *     code (e.g. a library the JVM loads on demand)
     */
    public static synchronized void preload(Runnable beforeLoading) {
        if (started || preload != null) {
            return;
        }
        configure(0);
        CountDownLatch linked = new CountDownLatch(1);
        CompletableFuture<Boolean> loading = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                checkNativeCache();
                Path early = bundledLibTorch();
                linked.await();
                if (early != null) {
                    Thread discovery = new Thread(Engines::discoverEngine, "d4j-djl-discovery");
                    discovery.setDaemon(true);
                    discovery.start();
                    System.load(early.toString());
                }
                Engine.getEngine("PyTorch");
                loading.complete(true);
            } catch (RuntimeException | LinkageError | InterruptedException e) {
                loading.complete(false);
            }
        }, "d4j-libtorch-preload");
        t.setDaemon(true);
        preload = loading;
        t.start();
        try {
            linkJdkNatives();
            beforeLoading.run();
        } finally {
            linked.countDown();
        }
    }

    /**
     * The Java half of DJL's engine start, run beside libtorch's load, which leaves a core free once the command's
     * own threads are done: the engine registry's service loading, the platform read from the native jar, and the
     * CUDA probe (whose JNA library load waits for libtorch's, then finishes at once). The preload thread then finds
     * them done instead of running them after the load (~15 ms). Best effort: what fails here is simply done again,
     * and reported, there.
     */
    private static void discoverEngine() {
        try {
            Engine.getAllEngines();
            Platform.detectPlatform("pytorch");
            CudaUtils.hasCuda();
        } catch (RuntimeException | LinkageError e) {
            // see above
        }
    }

    /** DJL reads these to load another libtorch than its cache's (or to load it differently). */
    private static final String[] LIBTORCH_OVERRIDES = {"PYTORCH_LIBRARY_PATH", "PYTORCH_VERSION", "PYTORCH_FLAVOR",
        "PYTORCH_PRECXX11", "PYTORCH_LIBRARY_EXCLUSION", "LIBSTDCXX_LIBRARY_PATH"};

    /**
     * The libtorch_cpu.so that DJL is about to load from its cache folder (the one it reuses when libtorch.so is
     * there), or null when DJL would extract it first, load another, or load a bundled libstdc++ before it; then
     * DJL's own load is the only one. Loading it again through DJL finds it loaded (same path, same class loader).
     */
    private static Path bundledLibTorch() {
        for (String name : LIBTORCH_OVERRIDES) {
            if (Utils.getEnvOrSystemProperty(name) != null) {
                return null;
            }
        }
        Path dir = NativeCache.folder(Utils.getEngineCacheDir("pytorch"), Engines.class.getClassLoader());
        if (dir == null || !Files.isRegularFile(dir.resolve("libtorch.so"))
                || Files.exists(dir.resolve("libstdc++.so.6"))) {
            return null;
        }
        Path lib = dir.resolve(System.mapLibraryName("torch_cpu"));
        return Files.isRegularFile(lib) ? lib : null;
    }

    private static volatile CompletableFuture<Boolean> preload;

    private static boolean nativesChecked;

    /** Not the class's monitor, which {@link #preload} holds while its thread starts checking. */
    private static final Object NATIVES_LOCK = new Object();

    /**
     * Before the first load in this process: a damaged libtorch in DJL's cache would crash the JVM (SIGBUS) instead
     * of failing, so {@link NativeCache} removes it and DJL extracts it again; the note goes to stderr.
     */
    private static void checkNativeCache() {
        synchronized (NATIVES_LOCK) {
            if (nativesChecked) {
                return;
            }
            nativesChecked = true;
            String note = NativeCache.repair(Utils.getEngineCacheDir("pytorch"), Engines.class.getClassLoader());
            if (note != null) {
                System.err.println(note);
            }
        }
    }

    /** Waits for a {@link #preload} under way; whether one loaded libtorch. */
    private static boolean awaitPreload() {
        CompletableFuture<Boolean> p = preload;
        return p != null && p.join();
    }

    /**
     * Calls, once each, the JDK native methods that argument parsing, model-folder checks and file reading use (see
     * {@link #preload}): reflection and annotations, the environment, java.nio files, channels and mappings,
     * java.io streams (the progress bars' write to standard error too). Best effort: whatever fails or is missed is
     * only linked later, possibly waiting for libtorch.
     */
    private static void linkJdkNatives() {
        try {
            System.getenv("D4J");
            Array.getLength(new int[0]);
            Engines.class.getDeclaredMethod("intraOpThreads").invoke(null);
            new Throwable().getStackTrace();
            "\u03b5".toUpperCase(Locale.ROOT).getBytes(StandardCharsets.UTF_16);
            Float.intBitsToFloat(0);
            ClassLoader.getSystemResource("java/lang/Object.class");
            Path home = Path.of(System.getProperty("java.home"));
            Path file = home.resolve("lib").resolve("modules");
            Files.isDirectory(home);
            Files.exists(file);
            Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS);
            try (DirectoryStream<Path> d = Files.newDirectoryStream(home)) {
                d.iterator().hasNext();
            }
            try (FileChannel ch = FileChannel.open(file)) {
                ch.read(ByteBuffer.allocate(16), 0);
                ch.position(1).read(ByteBuffer.allocate(1));
                ch.map(FileChannel.MapMode.READ_ONLY, 0, Math.min(1, ch.size()));
            }
            try (FileInputStream in = new FileInputStream(file.toFile())) {
                in.available();
                in.read(new byte[16]);
            }
            file.toFile().canRead();
            new FileOutputStream(FileDescriptor.err).write(new byte[0]); // progress bars: nothing written
            home.toFile().list();
            Thread.class.getDeclaredMethod("suspend").getAnnotations(); // @Deprecated(since = "1.2", forRemoval = true)
        } catch (IOException | ReflectiveOperationException | RuntimeException e) {
            // see above: only a possible wait later
        }
    }

    /** Whether {@link #start} has loaded libtorch in this process. */
    public static boolean started() {
        return started;
    }

    /** Whether libtorch is loaded in this process, by {@link #start} or by a {@link #preload} (waited for). */
    public static boolean loaded() {
        return awaitPreload() || started;
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
        // JNA (DJL's CUDA probe, ProcessExit) otherwise runs `/sbin/ldconfig -p` in a child process on its first use to
        // list extra library folders (~10-20 ms on the preload's path); the dynamic loader's own search is enough for
        // libc and for a CUDA runtime that is installed (CPU libtorch never uses one).
        if (System.getProperty("jna.platform.library.path") == null) {
            System.setProperty("jna.platform.library.path", "");
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
