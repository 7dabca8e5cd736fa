package dev.diffusion4j.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@link AtomicFiles} does when the destination is not a plain file (issue: -o replaced special files). */
class AtomicFilesDestinationTest {

    @TempDir
    Path dir;

    private static boolean root() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), String.join(" ", command) + ": " + out);
    }

    private List<String> names() throws IOException {
        try (var files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private IOException refused(Path target) {
        return assertThrows(IOException.class, () -> AtomicFiles.writeString(target, "png"));
    }

    @Test
    void aFifoIsRefusedAndStaysAFifo() throws Exception {
        Path fifo = dir.resolve("out.png");
        run("mkfifo", fifo.toString());
        IOException e = refused(fifo);
        assertEquals(fifo + ": is a FIFO (named pipe), not a regular file; refusing to replace it", e.getMessage());
        assertEquals(0010000, (Integer) Files.getAttribute(fifo, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 0170000);
        assertEquals(List.of("out.png"), names());
    }

    @Test
    void aCharacterDeviceIsRefusedAndStaysADevice() throws Exception {
        Assumptions.assumeTrue(root(), "mknod needs root");
        Path dev = dir.resolve("fakenull");
        run("mknod", "-m", "666", dev.toString(), "c", "1", "3");
        IOException e = refused(dev);
        assertEquals(dev + ": is a character device, not a regular file; refusing to replace it", e.getMessage());
        assertEquals(0020000, (Integer) Files.getAttribute(dev, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 0170000);
        // and through the PNG writer, as `d4j generate -o fakenull` calls it
        BufferedImage img = new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB);
        assertThrows(IOException.class, () -> Png.write(dev, img, Map.of()));
        assertEquals(List.of("fakenull"), names());
    }

    @Test
    void aFolderIsRefused() throws IOException {
        Path sub = Files.createDirectory(dir.resolve("out.png"));
        assertEquals(sub + ": is a directory, not a regular file; refusing to replace it", refused(sub).getMessage());
        assertTrue(Files.isDirectory(sub));
    }

    @Test
    void theRootHasNoFileName() {
        IOException e = refused(Path.of("/"));
        assertEquals("/: is the root folder, not a file name", e.getMessage());
        BufferedImage img = new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB);
        assertThrows(IOException.class, () -> Png.write(Path.of("/"), img, Map.of()));
    }

    @Test
    void aSymlinkIsFollowedAndKept() throws IOException {
        Path real = Files.writeString(Files.createDirectory(dir.resolve("real")).resolve("target.png"), "old");
        Path link = Files.createSymbolicLink(dir.resolve("link.png"), Path.of("real", "target.png"));
        AtomicFiles.writeString(link, "new");
        assertTrue(Files.isSymbolicLink(link));
        assertEquals("new", Files.readString(real));
        assertEquals(List.of("target.png"), Files.list(real.getParent()).map(p -> p.getFileName().toString()).toList());
    }

    @Test
    void aChainOfLinksIsFollowed() throws IOException {
        Path real = Files.writeString(dir.resolve("a.json"), "old");
        Path b = Files.createSymbolicLink(dir.resolve("b.json"), real);
        Path c = Files.createSymbolicLink(dir.resolve("c.json"), Path.of("b.json"));
        AtomicFiles.writeString(c, "new");
        assertEquals("new", Files.readString(real));
        assertTrue(Files.isSymbolicLink(b) && Files.isSymbolicLink(c));
    }

    @Test
    void aDanglingSymlinkIsRefusedAsCpDoes() throws IOException {
        Path link = Files.createSymbolicLink(dir.resolve("out.png"), dir.resolve("nowhere.png"));
        IOException e = refused(link);
        assertTrue(e.getMessage().startsWith(link + ": is a dangling symbolic link to " + dir.resolve("nowhere.png")),
                e.getMessage());
        assertEquals(List.of("out.png"), names());
    }

    @Test
    void aLinkLoopIsRefused() throws IOException {
        Path a = Files.createSymbolicLink(dir.resolve("a"), Path.of("b"));
        Files.createSymbolicLink(dir.resolve("b"), Path.of("a"));
        assertEquals(a + ": too many levels of symbolic links", refused(a).getMessage());
    }

    @Test
    void aLinkToADeviceIsRefused() throws IOException {
        Path link = Files.createSymbolicLink(dir.resolve("out.png"), Path.of("/dev/null"));
        assertEquals(link + ": is a character device, not a regular file; refusing to replace it",
                refused(link).getMessage());
    }

    @Test
    void aMissingFolderIsNamed() {
        Path file = dir.resolve("no-such-folder").resolve("out.png");
        assertEquals(file + ": folder " + file.getParent() + " does not exist", refused(file).getMessage());
    }

    @Test
    void anUnwritableFolderIsNamed() throws IOException {
        Assumptions.assumeFalse(root(), "root writes in any folder");
        Path ro = Files.createDirectory(dir.resolve("ro"));
        Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            Path file = ro.resolve("out.png");
            assertEquals(file + ": cannot write in folder " + ro + " (permission denied)", refused(file).getMessage());
        } finally {
            Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    @Test
    void aFileWhereAFolderShouldBeIsNamed() throws IOException {
        Files.writeString(dir.resolve("blocker"), "x");
        Path file = dir.resolve("blocker").resolve("sub").resolve("out.png");
        BufferedImage img = new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB);
        IOException e = assertThrows(IOException.class, () -> Png.write(file, img, Map.of()));
        assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
    }

    @Test
    void anUncheckedFailureAlsoRemovesTheTemporaryFile() throws IOException {
        Path file = dir.resolve("out.png");
        assertThrows(IllegalStateException.class, () -> AtomicFiles.write(file, out -> {
            throw new IllegalStateException("encoder bug");
        }));
        assertEquals(List.of(), names());
    }
}
