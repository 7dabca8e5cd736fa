package dev.diffusion4j.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher {@code d4j} maps its class-data archive only while it matches the checksum recorded when it was made
 * (a truncated archive crashes the JVM with SIGBUS). Runs a copy of the script in a temporary folder against a fake
 * {@code java} that logs its arguments (and writes an archive where asked), so nothing real is built or started.
 */
class LauncherCdsTest {

    private static final String FAKE_JAVA = """
            #!/bin/sh
            echo "$*" >> "$D4J_TEST_LOG"
            dump=false
            for a in "$@"; do [ "$a" = -Xshare:dump ] && dump=true; done
            for a in "$@"; do
              case "$a" in
                -XX:DumpLoadedClassList=*) printf 'java/lang/Object\n' > "${a#-XX:DumpLoadedClassList=}" ;;
                -XX:SharedArchiveFile=*) if $dump; then printf 'a fresh archive' > "${a#-XX:SharedArchiveFile=}"; fi ;;
              esac
            done
            exit 0
            """;

    @TempDir
    Path home;

    private Path jsa;
    private Path log;

    @BeforeEach
    void fakeCheckout() throws IOException {
        Files.copy(Path.of("d4j"), home.resolve("d4j"), StandardCopyOption.COPY_ATTRIBUTES);
        Files.createDirectories(home.resolve("src/main"));
        Path target = Files.createDirectories(home.resolve("target"));
        Path bin = Files.createDirectories(home.resolve("bin"));
        Files.writeString(bin.resolve("java"), FAKE_JAVA);
        Files.setPosixFilePermissions(bin.resolve("java"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(home.resolve("pom.xml"), "");
        Path jar = Files.writeString(target.resolve("diffusion4j.jar"), "jar");
        long now = System.currentTimeMillis();
        for (Path p : List.of(home.resolve("pom.xml"), home.resolve("src/main"), home.resolve("src"))) {
            Files.setLastModifiedTime(p, FileTime.fromMillis(now - 60_000));
        }
        Files.setLastModifiedTime(jar, FileTime.fromMillis(now - 30_000));
        jsa = target.resolve("d4j.jsa");
        log = home.resolve("java.log");
    }

    /** Runs the launcher; returns its stderr. */
    private String d4j(String... args) throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>(List.of("bash", home.resolve("d4j").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("PATH", home.resolve("bin") + ":" + System.getenv("PATH"));
        pb.environment().put("D4J_TEST_LOG", log.toString());
        Process p = pb.start();
        String err = new String(p.getErrorStream().readAllBytes());
        assertEquals(0, p.waitFor(), err);
        return err;
    }

    private List<String> javaRuns() throws IOException {
        return Files.exists(log) ? Files.readAllLines(log) : List.of();
    }

    private void sum() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("sh", "-c", "cksum < '" + jsa + "' > '" + jsa + ".sum'").start();
        assertEquals(0, p.waitFor());
    }

    @Test
    void aMatchingArchiveIsMapped() throws Exception {
        Files.write(jsa, new byte[100_000]);
        sum();
        assertEquals("", d4j("info"));
        assertEquals(1, javaRuns().size());
        assertTrue(javaRuns().get(0).contains("-XX:SharedArchiveFile=" + jsa), javaRuns().get(0));
    }

    @Test
    void aTruncatedArchiveIsNotMapped() throws Exception {
        Files.write(jsa, new byte[100_000]);
        sum();
        Files.write(jsa, new byte[4096]);
        String err = d4j("info");
        assertEquals("d4j: ignoring damaged class-data archive " + jsa + " (checksum mismatch)\n", err);
        assertEquals(1, javaRuns().size());
        assertFalse(javaRuns().get(0).contains("SharedArchiveFile"), javaRuns().get(0));
    }

    @Test
    void anArchiveWithoutARecordedSumIsNotMapped() throws Exception {
        Files.write(jsa, new byte[100_000]);
        assertEquals("", d4j("info"));
        assertFalse(javaRuns().get(0).contains("SharedArchiveFile"), javaRuns().get(0));
    }

    @Test
    void generateReplacesADamagedArchiveAndRecordsItsSum() throws Exception {
        Files.write(jsa, new byte[100_000]);
        sum();
        Files.write(jsa, new byte[10]);
        d4j("generate", "-p", "x");
        // the run that records the class list, the static dump from it, then the -Xshare:on check of the new archive
        assertEquals(3, javaRuns().size(), javaRuns().toString());
        assertTrue(javaRuns().get(0).contains("-XX:DumpLoadedClassList="), javaRuns().get(0));
        assertTrue(javaRuns().get(1).contains("-Xshare:dump"), javaRuns().get(1));
        assertTrue(javaRuns().get(2).contains("-Xshare:on"), javaRuns().get(2));
        assertEquals("a fresh archive", Files.readString(jsa));
        Files.delete(log);
        assertEquals("", d4j("info"));
        assertTrue(javaRuns().get(0).contains("-XX:SharedArchiveFile=" + jsa), javaRuns().get(0));
        try (var files = Files.list(jsa.getParent())) {
            assertEquals(List.of("d4j.jsa", "d4j.jsa.sum", "diffusion4j.jar"),
                    files.map(f -> f.getFileName().toString()).sorted().toList());
        }
    }
}
