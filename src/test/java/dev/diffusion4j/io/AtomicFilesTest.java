package dev.diffusion4j.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {

    @TempDir
    Path dir;


    private List<String> names() throws IOException {
        try (var files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void theFileGetsTheSamePermissionsAsAnyNewFileAndNoTemporaryIsLeft() throws IOException {
        Path plain = Files.writeString(dir.resolve("plain.txt"), "x");
        Path written = dir.resolve("written.txt");
        AtomicFiles.writeString(written, "hello");
        assertEquals("hello", Files.readString(written));
        assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(written));
        assertEquals(List.of("plain.txt", "written.txt"), names());
    }

    @Test
    void aFailedWriteKeepsTheOldFileAndLeavesNothingElse() throws IOException {
        Path file = dir.resolve("out.png");
        AtomicFiles.writeString(file, "old");
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(file, out -> {
            out.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
            throw new IOException("disk full");
        }));
        assertEquals("disk full", e.getMessage());
        assertEquals("old", Files.readString(file));
        assertEquals(List.of("out.png"), names());
    }

    @Test
    void aWriteReplacesTheOldFileWhole() throws IOException {
        Path file = dir.resolve("a.json");
        AtomicFiles.writeString(file, "a much longer first version");
        AtomicFiles.writeString(file, "short");
        assertEquals("short", Files.readString(file));
    }
}
