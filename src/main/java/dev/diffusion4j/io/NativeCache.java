package dev.diffusion4j.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * Checks the libtorch that DJL extracted from the {@code pytorch-native-cpu} jar into its cache
 * ({@code $DJL_CACHE_DIR/pytorch/<version>-<flavor>-<classifier>/}) before anything maps it. DJL reuses that folder
 * whenever {@code libtorch.so} exists in it, and a truncated library (a full disk, an interrupted copy, a careless
 * cleanup) crashes the JVM with SIGBUS when the dynamic loader touches the missing pages, with no message that points
 * at the cache. Each file's size is compared with its entry in the jar on the classpath (a size read from the jar's
 * index: no decompression); a damaged folder is removed, so that DJL extracts it again.
 */
public final class NativeCache {

    private static final String PROPERTIES = "native/lib/pytorch.properties";
    private static final String JNI_LIB = "libdjl_torch.so";

    private NativeCache() {}

    /**
     * Checks the libtorch folder under {@code pytorchCacheDir} (DJL's {@code Utils.getEngineCacheDir("pytorch")})
     * against the native jar that {@code loader} sees, and removes it when a file's size differs.
     *
     * @return a one-line note saying what was removed and why, or null when the folder is sound, absent, or there
     *     is no native jar to compare with
     */
    public static String repair(Path pytorchCacheDir, ClassLoader loader) {
        Properties p = properties(loader);
        if (p == null) {
            return null;
        }
        String flavor = p.getProperty("flavor");
        String classifier = p.getProperty("classifier");
        String libraries = p.getProperty("libraries");
        Path dir = pytorchCacheDir.resolve(p.getProperty("version") + "-" + flavor + "-" + classifier);
        if (!Files.isDirectory(dir)) {
            return null;
        }
        List<String> problems = new ArrayList<>();
        for (String lib : libraries.split(",")) {
            lib = lib.strip();
            long want = size(loader, "pytorch/" + flavor + "/" + classifier + "/" + lib, "native/lib/" + lib);
            check(dir.resolve(lib), want, problems);
        }
        // the JNI glue DJL extracts beside libtorch, named <djl version>-libdjl_torch.so
        long jni = size(loader, "jnilib/" + classifier + "/" + flavor + "/" + JNI_LIB);
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*-" + JNI_LIB)) {
            for (Path f : files) {
                check(f, jni, problems);
            }
        } catch (IOException | UncheckedIOException e) {
            problems.add("cannot list the folder: " + e.getMessage());
        }
        if (problems.isEmpty()) {
            return null;
        }
        String removed = remove(dir);
        return "d4j: the libtorch cache " + dir + " is damaged (" + String.join("; ", problems) + "); " + removed;
    }

    /**
     * The folder under {@code pytorchCacheDir} that DJL extracts the native jar's libtorch into and loads it from, or
     * null when there is no native jar on {@code loader}'s class path. The folder may not exist yet.
     */
    public static Path folder(Path pytorchCacheDir, ClassLoader loader) {
        Properties p = properties(loader);
        return p == null ? null
                : pytorchCacheDir.resolve(p.getProperty("version") + "-" + p.getProperty("flavor") + "-"
                        + p.getProperty("classifier"));
    }

    /** The native jar's pytorch.properties, or null when it is absent, unreadable or lacks a key this class needs. */
    private static Properties properties(ClassLoader loader) {
        Properties p = new Properties();
        try (InputStream in = loader.getResourceAsStream(PROPERTIES)) {
            if (in == null) {
                return null;
            }
            p.load(in);
        } catch (IOException e) {
            return null;
        }
        for (String key : new String[] {"version", "flavor", "classifier", "libraries"}) {
            if (p.getProperty(key) == null) {
                return null;
            }
        }
        return p;
    }

    /** Compares a file's size with the expected one ({@code < 0}: unknown, not checked). */
    private static void check(Path file, long want, List<String> problems) {
        if (want < 0) {
            return;
        }
        try {
            long got = Files.size(file);
            if (got != want || !Files.isRegularFile(file)) {
                problems.add(file.getFileName() + ": " + got + " bytes, the jar's copy has " + want);
            }
        } catch (IOException e) {
            problems.add(file.getFileName() + ": missing or unreadable");
        }
    }

    /** The size of the first of {@code names} found on the class path, from the jar's index; -1 if none. */
    private static long size(ClassLoader loader, String... names) {
        for (String name : names) {
            URL url = loader.getResource(name);
            if (url != null) {
                try {
                    URLConnection c = url.openConnection();
                    long n = c.getContentLengthLong();
                    c.getInputStream().close(); // a JarURLConnection keeps the jar open until its stream is closed
                    return n;
                } catch (IOException e) {
                    return -1;
                }
            }
        }
        return -1;
    }

    /**
     * Moves the folder aside under a unique name first (one rename: a concurrent start sees either the old folder or
     * none, then extracts its own), then deletes it. Processes that have the old libraries mapped keep them.
     */
    private static String remove(Path dir) {
        Path aside = dir.resolveSibling(dir.getFileName() + ".damaged-"
                + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36));
        try {
            Files.move(dir, aside, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            return "could not remove it (" + e + "): delete it by hand";
        }
        try (Stream<Path> all = Files.walk(aside)) {
            for (Path f : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        } catch (IOException | UncheckedIOException e) {
            return "moved it to " + aside + " (delete that folder) and extracting libtorch again";
        }
        return "removed it and extracting libtorch again";
    }
}
