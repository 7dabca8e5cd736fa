package dev.diffusion4j.io;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.diffusion4j.tensor.Engines;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded mutations of the fixture checkpoints: every input must open and load, or fail with an IOException,
 * IllegalArgumentException, UncheckedIOException or UnsupportedOperationException that has a message; anything else
 * (and any input taking over {@link #PER_INPUT_SECONDS}) fails the test, naming the input's seed.
 *
 * <p>The bounded run in {@code mvn test} stops after {@code d4j.fuzz.inputs} inputs (default 5,000) or
 * {@code d4j.fuzz.seconds} seconds (default 20). The long run:
 * {@code mvn -o -q test -Dtest=TorchCheckpointFuzzTest -Dd4j.fuzz.inputs=100000 -Dd4j.fuzz.seconds=0
 * [-Dd4j.fuzz.seed=N]}.
 *
 * <p>The large checkpoints are rewritten with their pickle as the last entry, so that a mutated pickle (of any
 * length) costs one rewrite of the file's tail, not of its megabytes of storages.
 */
class TorchCheckpointFuzzTest {

    private static final long SEED = Long.getLong("d4j.fuzz.seed", 20_240_607L);
    private static final int INPUTS = Integer.getInteger("d4j.fuzz.inputs", 5_000);
    private static final long SECONDS = Long.getLong("d4j.fuzz.seconds", 20);
    private static final long PER_INPUT_SECONDS = 10;
    /** Tensors larger than this are not loaded: a mutated stride-0 tensor may legitimately be gigabytes. */
    private static final long MAX_LOAD_ELEMENTS = 1 << 22;

    @TempDir
    Path dir;

    /** A checkpoint rewritten as storages first, then the pickle, the central directory and the end record. */
    private static final class Rebuilt {
        final Path file;
        final String pickleName;
        final byte[] pickle;
        final long prefixEnd;
        final List<byte[]> central = new ArrayList<>();

        Rebuilt(Path source, Path file) throws IOException {
            this.file = file;
            try (FileChannel in = FileChannel.open(source); FileChannel out = FileChannel.open(file,
                    StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                TorchZip zip = TorchZip.read(source, in);
                String pkl = null;
                long pos = 0;
                for (TorchZip.Entry e : zip.entries().values()) {
                    if (e.name().endsWith("/data.pkl")) {
                        pkl = e.name();
                        continue;
                    }
                    ByteBuffer data = TorchZip.readAt(source, in, zip.dataOffset(e), (int) e.size());
                    pos += write(out, pos, e.name(), data);
                }
                this.pickleName = pkl;
                TorchZip.Entry pe = zip.entries().get(pkl);
                this.pickle = zip.readEntry(pe, Long.MAX_VALUE);
                this.prefixEnd = pos;
            }
        }

        /** Writes a local header and {@code data} at {@code pos}, records its central entry; returns its size. */
        private long write(FileChannel out, long pos, String name, ByteBuffer data) throws IOException {
            byte[] n = name.getBytes(StandardCharsets.UTF_8);
            CRC32 crc = new CRC32();
            crc.update(data.duplicate());
            int size = data.remaining();
            ByteBuffer local = ByteBuffer.allocate(30 + n.length).order(ByteOrder.LITTLE_ENDIAN)
                    .putInt(0x04034b50).putShort((short) 20).putShort((short) 0).putShort((short) 0)
                    .putShort((short) 0).putShort((short) 0x21).putInt((int) crc.getValue()).putInt(size)
                    .putInt(size).putShort((short) n.length).putShort((short) 0).put(n).flip();
            ByteBuffer c = ByteBuffer.allocate(46 + n.length).order(ByteOrder.LITTLE_ENDIAN)
                    .putInt(0x02014b50).putShort((short) 20).putShort((short) 20).putShort((short) 0)
                    .putShort((short) 0).putShort((short) 0).putShort((short) 0x21).putInt((int) crc.getValue())
                    .putInt(size).putInt(size).putShort((short) n.length).putShort((short) 0).putShort((short) 0)
                    .putShort((short) 0).putShort((short) 0).putInt(0).putInt((int) pos).put(n);
            central.add(c.array());
            long p = pos;
            for (ByteBuffer b : new ByteBuffer[] {local, data.duplicate()}) {
                while (b.hasRemaining()) {
                    p += out.write(b, p);
                }
            }
            return p - pos;
        }

        /** Replaces the pickle (and so the tail of the file) with {@code pkl}. */
        void withPickle(byte[] pkl) throws IOException {
            try (FileChannel out = FileChannel.open(file, StandardOpenOption.WRITE)) {
                out.truncate(prefixEnd);
                int entries = central.size();
                long p = prefixEnd + write(out, prefixEnd, pickleName, ByteBuffer.wrap(pkl));
                long cdStart = p;
                for (byte[] c : central) {
                    p += out.write(ByteBuffer.wrap(c), p);
                }
                central.remove(entries); // the pickle's record is rewritten with each input
                ByteBuffer end = ByteBuffer.allocate(22).order(ByteOrder.LITTLE_ENDIAN).putInt(0x06054b50)
                        .putShort((short) 0).putShort((short) 0).putShort((short) (entries + 1))
                        .putShort((short) (entries + 1)).putInt((int) (p - cdStart)).putInt((int) cdStart)
                        .putShort((short) 0).flip();
                out.write(end, p);
            }
        }
    }

    @Test
    void mutatedCheckpointsFailCleanly() throws Exception {
        Path files = TorchCheckpointTest.files();
        Engines.start(0);
        List<byte[]> small = List.of(Files.readAllBytes(files.resolve("embeddings/glowstyle.pt")),
                Files.readAllBytes(files.resolve("hostile.ckpt")));
        List<Rebuilt> large = List.of(new Rebuilt(files.resolve("model-fp16.ckpt"), dir.resolve("fp16.ckpt")),
                new Rebuilt(files.resolve("model.ckpt"), dir.resolve("fp32.ckpt")));
        for (Rebuilt r : large) { // the rebuilt seeds themselves load
            r.withPickle(r.pickle);
            check(r.file);
        }
        Path smallFile = dir.resolve("small.ckpt");
        long deadline = SECONDS > 0 ? System.nanoTime() + TimeUnit.SECONDS.toNanos(SECONDS) : Long.MAX_VALUE;
        ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fuzz-worker");
            t.setDaemon(true);
            return t;
        });
        List<String> failures = new ArrayList<>();
        int[] outcomes = new int[2]; // opened and loaded, refused
        long start = System.nanoTime();
        int done = 0;
        try {
            for (int i = 0; i < INPUTS && System.nanoTime() < deadline && failures.size() < 10; i++, done++) {
                long seed = SEED * 1_000_003L + i;
                Random r = new Random(seed);
                Path f;
                String what;
                if (r.nextInt(4) == 0) {
                    int which = r.nextInt(small.size());
                    what = which == 0 ? "glowstyle.pt" : "hostile.ckpt";
                    Files.write(smallFile, Mutator.mutate(small.get(which), r));
                    f = smallFile;
                } else {
                    Rebuilt seedFile = large.get(r.nextInt(large.size()));
                    what = seedFile.file.getFileName() + " pickle";
                    seedFile.withPickle(Mutator.mutate(seedFile.pickle, r));
                    f = seedFile.file;
                }
                Future<Boolean> run = worker.submit(() -> check(f));
                try {
                    outcomes[run.get(PER_INPUT_SECONDS, TimeUnit.SECONDS) ? 0 : 1]++;
                } catch (TimeoutException e) {
                    failures.add("input " + i + " (seed " + seed + ", " + what + "): no result after "
                            + PER_INPUT_SECONDS + " s");
                    break; // the worker is stuck; nothing after this would be meaningful
                } catch (java.util.concurrent.ExecutionException e) {
                    failures.add("input " + i + " (seed " + seed + ", " + what + "): " + e.getCause());
                    e.getCause().printStackTrace();
                }
            }
        } finally {
            worker.shutdownNow();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("TorchCheckpointFuzzTest: %d inputs in %.1f s (seed %d): %d loaded, %d refused cleanly,"
                + " %d failures%n", done, seconds, SEED, outcomes[0], outcomes[1], failures.size());
        assertTrue(failures.isEmpty(), () -> String.join("\n", failures));
    }

    /**
     * Opens {@code f} and loads some of its tensors; true if that worked, false for a clean refusal. Any other
     * throwable propagates to fail the test.
     */
    private static boolean check(Path f) {
        try (TorchCheckpoint c = TorchCheckpoint.open(f); NDManager manager = NDManager.newBaseManager()) {
            int loaded = 0;
            for (TensorRef t : tensorsIn(c)) {
                if (t.elementCount() <= MAX_LOAD_ELEMENTS && loaded++ < 8) {
                    try (NDArray a = c.load(t, manager, DataType.FLOAT32)) {
                        if (a.size() != t.elementCount()) {
                            throw new AssertionError("loaded " + a.size() + " elements of " + t);
                        }
                    }
                }
            }
            return true;
        } catch (IOException | IllegalArgumentException | UncheckedIOException | UnsupportedOperationException e) {
            if (e.getMessage() == null || e.getMessage().isBlank()) {
                throw new AssertionError("a refusal without a message", e);
            }
            return false;
        }
    }

    /** The state dict's tensors, or for a file without one (an embedding), the tensors of the root's sub-maps. */
    private static List<TensorRef> tensorsIn(TorchCheckpoint c) {
        List<TensorRef> out = new ArrayList<>(c.tensors().values());
        if (out.isEmpty() && c.root() instanceof Map<?, ?> root) {
            for (Object v : root.values()) {
                if (v instanceof Map<?, ?> m) {
                    for (Object t : m.values()) {
                        if (t instanceof TensorRef ref) {
                            out.add(ref);
                        }
                    }
                }
            }
        }
        return out;
    }
}
