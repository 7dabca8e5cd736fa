package dev.diffusion4j.cli;

import com.sun.jna.Library;
import com.sun.jna.Native;
import dev.diffusion4j.tensor.Engines;

/**
 * Ends the {@code d4j} process. Once libtorch is loaded, the C library's {@code exit()} runs its static destructors,
 * which deregister every operator kernel from the dispatcher one by one: 130–180 ms of a ~2 s {@code generate} (perf:
 * {@code c10::Dispatcher::deregisterImpl_}, {@code malloc_consolidate}). Every command has closed what it wrote by
 * the time it returns its exit code and diffusion4j registers no shutdown hooks, so after flushing the standard
 * streams the process ends with {@code _exit(2)} (through JNA, which DJL already ships), skipping that teardown.
 */
final class ProcessExit {

    private ProcessExit() {}

    interface LibC extends Library {
        void _exit(int status);
    }

    static void exit(int code) {
        System.out.flush();
        System.err.flush();
        if (Engines.loaded() && !Boolean.getBoolean("d4j.fullExit")) {
            try {
                Native.load("c", LibC.class)._exit(code);
            } catch (LinkageError | RuntimeException e) {
                // no usable libc through JNA: the ordinary exit below is only slower
            }
        }
        System.exit(code);
    }
}
