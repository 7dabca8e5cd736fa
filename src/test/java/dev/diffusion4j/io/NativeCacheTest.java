package dev.diffusion4j.io;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link NativeCache} on a fake DJL cache in a temporary folder (the real one is shared by every test JVM): files of
 * the jar's sizes are sparse, so the 446 MB libtorch_cpu.so costs no disk.
 */
class NativeCacheTest {

    @TempDir
    Path cache;

    private Path dir;
    private List<String> libs;

    @BeforeEach
    void fakeCache() throws IOException {
        Properties p = new Properties();
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("native/lib/pytorch.properties")) {
            Assumptions.assumeTrue(in != null, "no pytorch-native jar on the class path");
            p.load(in);
        }
        dir = Files.createDirectories(cache.resolve(p.getProperty("version") + "-" + p.getProperty("flavor") + "-"
                + p.getProperty("classifier")));
        libs = List.of(p.getProperty("libraries").split(","));
        for (String lib : libs) {
            String name = "pytorch/" + p.getProperty("flavor") + "/" + p.getProperty("classifier") + "/" + lib;
            var url = getClass().getClassLoader().getResource(name);
            assertNotNull(url, name);
            try (RandomAccessFile f = new RandomAccessFile(dir.resolve(lib).toFile(), "rw")) {
                f.setLength(url.openConnection().getContentLengthLong());
            }
        }
    }

    private static void truncate(Path file, long size) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(size);
        }
    }

    @Test
    void aSoundCacheIsKept() {
        assertNull(NativeCache.repair(cache, getClass().getClassLoader()));
        assertTrue(Files.isDirectory(dir));
    }

    @Test
    void aTruncatedLibraryRemovesTheFolder() throws IOException {
        truncate(dir.resolve("libtorch_cpu.so"), 4096);
        String note = NativeCache.repair(cache, getClass().getClassLoader());
        assertNotNull(note);
        assertTrue(note.startsWith("d4j: the libtorch cache " + dir + " is damaged (libtorch_cpu.so: 4096 bytes"), note);
        assertTrue(note.endsWith("removed it and extracting libtorch again"), note);
        assertFalse(Files.exists(dir));
        try (var left = Files.list(cache)) {
            assertTrue(left.findAny().isEmpty(), "nothing left beside it");
        }
    }

    @Test
    void aMissingLibraryOrDamagedJniGlueRemovesTheFolder() throws IOException {
        Files.delete(dir.resolve(libs.get(0)));
        assertNotNull(NativeCache.repair(cache, getClass().getClassLoader()));
        assertFalse(Files.exists(dir));
        fakeCache();
        Files.writeString(dir.resolve("0.36.0-libdjl_torch.so"), "truncated");
        String note = NativeCache.repair(cache, getClass().getClassLoader());
        assertTrue(note.contains("0.36.0-libdjl_torch.so: 9 bytes"), note);
    }

    @Test
    void noCacheYetIsNothingToDo() throws IOException {
        assertNull(NativeCache.repair(cache.resolve("elsewhere"), getClass().getClassLoader()));
    }
}
