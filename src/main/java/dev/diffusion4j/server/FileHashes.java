package dev.diffusion4j.server;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The sha256 of checkpoint files, as A1111 lists them ({@code sha256}, and its first 10 hex digits as {@code hash}).
 * Hashing a multi-gigabyte file takes seconds, so it never runs on a request: files are hashed one at a time on a
 * background thread after each scan, and a result is kept while the file's size and modification time stay the same.
 * Until then a file is listed without a hash, as A1111 lists files it has not hashed yet.
 */
final class FileHashes implements AutoCloseable {

    private record Stamp(long size, long modified) {}

    private record Entry(Stamp stamp, String sha256) {}

    private final Map<Path, Entry> known = new ConcurrentHashMap<>();
    private final Map<Path, Boolean> pending = new ConcurrentHashMap<>();
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "d4j-serve-hash");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        return t;
    });

    /** The file's sha256 if known for its current size and time; otherwise schedules it and answers null. */
    String sha256(Path file) {
        Stamp stamp = stamp(file);
        Entry e = known.get(file);
        if (e != null && e.stamp().equals(stamp)) {
            return e.sha256();
        }
        if (stamp != null && pending.putIfAbsent(file, Boolean.TRUE) == null) {
            worker.execute(() -> {
                try {
                    compute(file);
                } finally {
                    pending.remove(file);
                }
            });
        }
        return null;
    }

    /** A1111's short hash: the first 10 hex digits of the sha256, or null while unknown. */
    static String shortHash(String sha256) {
        return sha256 == null ? null : sha256.substring(0, 10);
    }

    private void compute(Path file) {
        Stamp before = stamp(file);
        if (before == null) {
            return;
        }
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 20];
            for (int n; (n = in.read(buf)) > 0; ) {
                d.update(buf, 0, n);
            }
            // a file rewritten while it was read gets hashed again on the next listing
            if (before.equals(stamp(file))) {
                known.put(file, new Entry(before, HexFormat.of().formatHex(d.digest())));
            }
        } catch (IOException e) {
            // unreadable now: listed without a hash, retried on the next listing
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private static Stamp stamp(Path file) {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            return new Stamp(a.size(), a.lastModifiedTime().toMillis());
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public void close() {
        worker.shutdownNow();
    }
}
