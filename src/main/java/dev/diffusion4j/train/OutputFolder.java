package dev.diffusion4j.train;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The {@code --output} folder of a training run, held while the run writes to it. A run owns the temporaries its
 * writers leave beside the files they replace ({@code .NAME.RANDOM.tmp} from the atomic writers, {@code .model.tmp}
 * and {@code .model.old} from {@link ModelExport}); an interrupted run can leave them behind — a checkpoint's is as
 * large as the checkpoint. So the folder is locked (no second run removes the live temporaries of a first), the
 * leftovers of an earlier run are removed when a run starts, and a shutdown hook removes this run's own when the
 * process is interrupted (SIGINT, SIGTERM: the JVM runs shutdown hooks for both) while it writes.
 */
public final class OutputFolder implements AutoCloseable {

    /** The lock file; left in place (removing a lock file races with the next run that opens it). */
    static final String LOCK = ".d4j-train.lock";

    /** What the atomic writers and the model export stage beside their targets. */
    private static final Pattern TEMPORARY = Pattern.compile("\\..+\\.tmp");

    private final Path dir;
    private final String exportName;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final Thread hook;

    private OutputFolder(Path dir, String exportName, FileChannel lockChannel, FileLock lock) {
        this.dir = dir;
        this.exportName = exportName;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.hook = new Thread(this::onInterrupt, "d4j-train-cleanup");
    }

    /**
     * Refuses, before anything is loaded or written, a run that would lose work: {@code --resume} without a checkpoint
     * to continue (it would start from step 0 and replace the folder's {@code exportName/}), or a new run into a folder
     * that already holds a checkpoint or an exported {@code exportName/}.
     *
     * @throws IllegalArgumentException naming the folder and the flag to change
     */
    public static void check(TrainOptions o, String exportName) {
        Path out = o.output();
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new IllegalArgumentException("--output " + out + " is a file, not a folder");
        }
        Path checkpoint = o.checkpointFile();
        Path export = out.resolve(exportName);
        if (o.resume()) {
            if (!Files.isRegularFile(checkpoint)) {
                throw new IllegalArgumentException("--resume: no checkpoint to continue in " + out + " (expected "
                        + checkpoint.getFileName() + ")" + (Files.exists(export) ? "; refusing to train from step 0 "
                        + "over its " + exportName + "/" : "") + ": drop --resume to start a new run, or give the "
                        + "--output of the run to continue");
            }
        } else if (Files.exists(checkpoint)) {
            throw new IllegalArgumentException(checkpoint + " already exists: pass --resume to continue it, or choose "
                    + "another --output");
        } else if (Files.exists(export)) {
            throw new IllegalArgumentException(out + " already holds a trained " + exportName + "/ (without a "
                    + "checkpoint to --resume): choose another --output, or remove " + export);
        }
    }

    /**
     * Creates and locks {@code o.output()}, {@link #check checks} it (an {@link IOException} here), removes temporaries an interrupted run left
     * there (reported to {@code listener}) and installs the interrupt cleanup until {@link #close}.
     */
    static OutputFolder open(TrainOptions o, String exportName, TrainingListener listener) throws IOException {
        Path out = o.output();
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new IOException("cannot create output folder " + out + ": " + e.getMessage(), e);
        }
        if (!Files.isWritable(out)) {
            throw new IOException("output folder is not writable: " + out);
        }
        FileChannel channel = FileChannel.open(out.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            channel.close();
            throw new IOException("--output " + out + " is in use by another training run (" + LOCK + " is locked)");
        }
        OutputFolder folder = new OutputFolder(out, exportName, channel, lock);
        try {
            try {
                check(o, exportName);
            } catch (IllegalArgumentException e) {
                throw new IOException(e.getMessage(), e);
            }
            for (String removed : folder.removeTemporaries()) {
                listener.onMessage(removed + ", left by an interrupted run");
            }
            Runtime.getRuntime().addShutdownHook(folder.hook);
        } catch (IOException | RuntimeException e) {
            folder.release();
            throw e;
        }
        return folder;
    }

    /**
     * Removes the temporaries of this folder and of its {@code exportName/}, and puts back an export that was moved
     * aside but not yet replaced.
     *
     * @return what was removed or restored, one phrase each, for the user
     */
    List<String> removeTemporaries() throws IOException {
        List<String> done = new ArrayList<>();
        Path export = dir.resolve(exportName);
        Path aside = dir.resolve("." + exportName + ".old");
        if (Files.isDirectory(aside)) {
            if (Files.exists(export)) {
                remove(aside, done);
            } else {
                // ModelExport moved the old export aside and was stopped before the new one replaced it
                Files.move(aside, export);
                done.add("restored " + export + " from " + aside.getFileName());
            }
        }
        removeIn(dir, done);
        if (Files.isDirectory(export)) {
            removeIn(export, done);
        }
        return done;
    }

    private static void removeIn(Path folder, List<String> done) throws IOException {
        List<Path> stale;
        try (Stream<Path> s = Files.list(folder)) {
            stale = s.filter(p -> TEMPORARY.matcher(p.getFileName().toString()).matches()).toList();
        }
        for (Path p : stale) {
            remove(p, done);
        }
    }

    private static void remove(Path p, List<String> done) throws IOException {
        long bytes;
        try (Stream<Path> s = Files.walk(p)) {
            bytes = s.filter(Files::isRegularFile).mapToLong(q -> q.toFile().length()).sum();
        }
        ModelExport.deleteTree(p);
        done.add(String.format(Locale.ROOT, "removed %s (%.1f MB)", p, bytes / 1e6));
    }

    /** The shutdown hook: the run is being interrupted, so whatever it was writing will never be completed. */
    void onInterrupt() {
        try {
            List<String> removed = removeTemporaries();
            if (!removed.isEmpty()) {
                System.err.println();
                System.err.println("d4j: interrupted; " + String.join("; ", removed) + "; the last complete "
                        + "checkpoint is kept (continue it with --resume)");
            }
        } catch (IOException | RuntimeException e) {
            System.err.println("d4j: interrupted; could not remove the temporaries in " + dir + ": " + e.getMessage());
        }
    }

    private void release() throws IOException {
        try {
            lock.release();
        } finally {
            lockChannel.close();
        }
    }

    /** Ends the run's hold: the hook is removed (a run that finished left no temporaries) and the lock released. */
    @Override
    public void close() throws IOException {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: the hook is running now and still needs the lock
            return;
        }
        release();
    }
}
