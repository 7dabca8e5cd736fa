package dev.diffusion4j.io;

import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes a file under a temporary sibling name and renames it into place, so that neither a reader nor an interrupted
 * run ever sees a partial file under the final name. The temporary file is created with the default permissions (the
 * process umask, like any file the user writes): {@code Files.createTempFile} would leave the result owner-only.
 *
 * <p>A rename replaces whatever has the final name, so the destination is checked first, like {@code cp} does: a
 * symbolic link is followed (the new file replaces the link's target, and the link stays); a dangling link, a folder,
 * a device, a FIFO or a socket is refused with a message naming it, never replaced (as root, {@code -o /dev/null}
 * would otherwise put a PNG where the device was).
 */
public final class AtomicFiles {

    /** Linux's own limit on links followed while resolving one path (ELOOP). */
    private static final int MAX_LINKS = 40;

    private AtomicFiles() {}

    /** Writes the content of a file to an open channel. */
    public interface Content {
        void writeTo(FileChannel out) throws IOException;
    }

    /**
     * Writes {@code file} (its folder must exist), replacing an existing file only once the new one is complete.
     *
     * @throws IOException naming {@code file} when it is not something a file may replace (see the class comment) or
     *     its folder is missing or not writable; the temporary file is removed on every failure
     */
    public static void write(Path file, Content content) throws IOException {
        Path target = destination(file);
        Path folder = target.getParent();
        Path tmp = target.resolveSibling("." + target.getFileName() + "."
                + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36) + ".tmp");
        try {
            FileChannel out;
            try {
                out = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            } catch (AccessDeniedException e) {
                throw new IOException(file + ": cannot write in folder " + folder + " (permission denied)", e);
            } catch (NoSuchFileException e) {
                throw new IOException(file + ": folder " + folder + " does not exist", e);
            } catch (FileSystemException e) {
                throw new IOException(file + ": cannot create a file in folder " + folder + ": " + reason(e), e);
            }
            try (out) {
                content.writeTo(out);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (Throwable t) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException | RuntimeException e) {
                t.addSuppressed(e); // the original failure is the one to report
            }
            throw t;
        }
    }

    /** {@link #write} of {@code text} in UTF-8. */
    public static void writeString(Path file, String text) throws IOException {
        write(file, out -> Channels.newOutputStream(out).write(text.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * Creates the folder {@code file} will be written in (and its parents), after checking {@code file} itself as
     * {@link #write} does, so that a bad destination fails before any work is spent on its content.
     */
    public static void createFolderOf(Path file) throws IOException {
        Path target = destination(file);
        Path folder = target.getParent();
        try {
            Files.createDirectories(folder);
        } catch (FileAlreadyExistsException e) {
            throw new IOException(file + ": cannot create folder " + folder + ": " + e.getFile()
                    + " exists and is not a folder", e);
        } catch (AccessDeniedException e) {
            throw new IOException(file + ": cannot create folder " + folder + " (permission denied)", e);
        } catch (FileSystemException e) {
            throw new IOException(file + ": cannot create folder " + folder + ": " + reason(e), e);
        }
    }

    /**
     * The absolute path the new file will be renamed to: {@code file}, or the target of the symbolic link(s) it names.
     * Fails naming {@code file} where that path holds something other than a regular file, or has no file name.
     */
    static Path destination(Path file) throws IOException {
        Path p = file.toAbsolutePath();
        if (p.getFileName() == null) {
            throw new IOException(file + ": is the root folder, not a file name");
        }
        for (int links = 0; ; links++) {
            BasicFileAttributes a;
            try {
                a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (NoSuchFileException e) {
                if (links > 0) {
                    // as GNU cp: writing through a dangling link creates a file wherever the link happens to point
                    throw new IOException(file + ": is a dangling symbolic link to " + p
                            + "; refusing to write through it (remove the link or create its target)");
                }
                return p;
            }
            if (a.isRegularFile()) {
                return p;
            }
            if (!a.isSymbolicLink()) {
                throw new IOException(file + ": is " + kind(p, a) + ", not a regular file; refusing to replace it");
            }
            if (links == MAX_LINKS) {
                throw new IOException(file + ": too many levels of symbolic links");
            }
            // relative to the folder the kernel resolves it in: the link's folder with its own links followed
            p = p.getParent().toRealPath().resolve(Files.readSymbolicLink(p)).normalize();
            if (p.getFileName() == null) {
                throw new IOException(file + ": is a symbolic link to the root folder; refusing to replace it");
            }
        }
    }

    /** What a non-regular, non-link file is, in the words of {@code ls} / {@code stat}. */
    private static String kind(Path p, BasicFileAttributes a) {
        if (a.isDirectory()) {
            return "a directory";
        }
        try {
            int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            switch (mode & 0170000) {
                case 0020000: return "a character device";
                case 0060000: return "a block device";
                case 0010000: return "a FIFO (named pipe)";
                case 0140000: return "a socket";
                default: break;
            }
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException | ClassCastException e) {
            // no unix attribute view: fall through to the generic word
        }
        return "a special file";
    }

    private static String reason(FileSystemException e) {
        return e.getReason() != null ? e.getReason() : e.getClass().getSimpleName();
    }
}
