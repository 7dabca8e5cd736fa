package dev.diffusion4j.io;

import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes a file under a temporary sibling name and renames it into place, so that neither a reader nor an interrupted
 * run ever sees a partial file under the final name. The temporary file is created with the default permissions (the
 * process umask, like any file the user writes): {@code Files.createTempFile} would leave the result owner-only.
 */
public final class AtomicFiles {

    private AtomicFiles() {}

    /** Writes the content of a file to an open channel. */
    public interface Content {
        void writeTo(FileChannel out) throws IOException;
    }

    /** Writes {@code file} (its folder must exist), replacing an existing file only once the new one is complete. */
    public static void write(Path file, Content content) throws IOException {
        Path target = file.toAbsolutePath();
        Path tmp = target.resolveSibling("." + target.getFileName() + "."
                + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36) + ".tmp");
        try {
            try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                content.writeTo(out);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** {@link #write} of {@code text} in UTF-8. */
    public static void writeString(Path file, String text) throws IOException {
        write(file, out -> Channels.newOutputStream(out).write(text.getBytes(StandardCharsets.UTF_8)));
    }
}
