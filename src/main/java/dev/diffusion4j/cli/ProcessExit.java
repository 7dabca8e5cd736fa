package dev.diffusion4j.cli;

import com.sun.jna.Library;
import com.sun.jna.Native;
import dev.diffusion4j.tensor.Engines;

/**
 * Ends the {@code d4j} process. Once libtorch is loaded, the C library's {@code exit()} runs its static destructors,
 * which deregister every operator kernel from the dispatcher one by one: 130–180 ms of a ~2 s {@code generate} (perf:
 * {@code c10::Dispatcher::deregisterImpl_}, {@code malloc_consolidate}). Every command has closed what it wrote by
 * the time it returns its exit code, and the only shutdown hooks diffusion4j registers (a training run's cleanup of
 * its temporaries on SIGINT/SIGTERM) are removed again when the run ends, so after flushing the standard streams the
 * process ends with {@code _exit(2)} (through JNA, which DJL already ships), skipping that teardown. A command that
 * returns while a signal is shutting the JVM down instead waits for the shutdown hooks: {@code _exit} would cut them
 * off halfway through their cleanup.
 */
final class ProcessExit {

    private ProcessExit() {}

    interface LibC extends Library {
        void _exit(int status);
    }

    static void exit(int code) {
        System.out.flush();
        System.err.flush();
        if (Engines.loaded() && !Boolean.getBoolean("d4j.fullExit") && !shuttingDown()) {
            try {
                Native.load("c", LibC.class)._exit(code);
            } catch (LinkageError | RuntimeException e) {
                // no usable libc through JNA: the ordinary exit below is only slower
            }
        }
        System.exit(code);
    }

    /** Whether the JVM is already shutting down (a signal), when it refuses new shutdown hooks. */
    static boolean shuttingDown() {
        Thread probe = new Thread(() -> {});
        try {
            Runtime.getRuntime().addShutdownHook(probe);
        } catch (IllegalStateException e) {
            return true;
        }
        Runtime.getRuntime().removeShutdownHook(probe);
        return false;
    }
}
