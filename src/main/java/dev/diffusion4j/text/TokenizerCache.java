package dev.diffusion4j.text;

import dev.diffusion4j.io.AtomicFiles;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * The tokenizer's vocabulary and merge ranks as {@link SymbolTable}s, kept in a binary file so that later starts skip
 * parsing vocab.json and merges.txt (~80 ms of a cold {@code d4j generate}; reading the tables back takes ~2 ms). The
 * file is named after the two source files' sizes and CRC-32s, so every folder with the same tokenizer (all SD 1.x
 * models share CLIP's) shares one, and a change to either file makes another name. It holds those sizes and CRCs too,
 * and a CRC of its own body, so a damaged or foreign file is ignored and written again; failing to write one only
 * costs the next start the parse. Opt-in: the {@code d4j} launcher names a folder under the jar's {@code target/}
 * ({@code -Dd4j.tokenizerCache}).
 */
final class TokenizerCache {

    /** The cache folder's system property. */
    static final String PROPERTY = "d4j.tokenizerCache";

    private static final long MAGIC = 0x44344a544f4b3031L; // "D4JTOK01"
    private static final int HEADER = 8 + 2 * (8 + 8) + 8;

    /** The two tables of one tokenizer. */
    record Tables(SymbolTable vocab, SymbolTable merges) {}

    /** The parsed vocabulary and merge ranks. */
    record Parsed(Map<String, Integer> vocab, Map<String, Integer> merges) {
        Tables tables() {
            return new Tables(SymbolTable.of(vocab), SymbolTable.of(merges));
        }
    }

    /** Parses the source files (with their own error messages) when there is no usable cache. */
    interface Parser {
        Parsed parse() throws IOException;
    }

    private TokenizerCache() {}

    /**
     * The tables of {@code vocabFile} and {@code mergesFile}: from a matching file in {@code folder}, else parsed and
     * written there.
     *
     * @throws IOException from {@code parser}, or when a source file is missing or unreadable
     */
    static Tables load(Path folder, Path vocabFile, Path mergesFile, Parser parser) throws IOException {
        byte[] vocab = read(vocabFile);
        byte[] merges = read(mergesFile);
        long vocabCrc = crc(vocab);
        long mergesCrc = crc(merges);
        Path file = folder.resolve("clip-" + vocab.length + "-" + Long.toHexString(vocabCrc) + "-" + merges.length + "-"
                + Long.toHexString(mergesCrc) + ".bin");
        Tables cached = readCache(file, vocab.length, vocabCrc, merges.length, mergesCrc);
        if (cached != null) {
            return cached;
        }
        Parsed parsed = parser.parse();
        try {
            Files.createDirectories(folder);
            ByteBuffer out = ByteBuffer.allocate(HEADER + SortedSymbols.byteSize(parsed.vocab())
                    + SortedSymbols.byteSize(parsed.merges())).order(ByteOrder.LITTLE_ENDIAN);
            out.putLong(MAGIC).putLong(vocab.length).putLong(vocabCrc).putLong(merges.length).putLong(mergesCrc);
            out.putLong(0); // the body's CRC, below
            SortedSymbols.write(parsed.vocab(), out);
            SortedSymbols.write(parsed.merges(), out);
            out.putLong(HEADER - 8, crc(out.array(), HEADER, out.capacity() - HEADER));
            AtomicFiles.write(file, ch -> {
                ByteBuffer all = ByteBuffer.wrap(out.array());
                while (all.hasRemaining()) {
                    ch.write(all);
                }
            });
        } catch (IOException | RuntimeException e) {
            // a read-only or full disk: the next start parses again
        }
        return parsed.tables();
    }

    /** The tables in {@code file}, or null when it is absent, for other sources, or damaged. */
    private static Tables readCache(Path file, long vocabSize, long vocabCrc, long mergesSize, long mergesCrc) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException | RuntimeException e) {
            return null;
        }
        if (bytes.length < HEADER) {
            return null;
        }
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (in.getLong() != MAGIC || in.getLong() != vocabSize || in.getLong() != vocabCrc
                || in.getLong() != mergesSize || in.getLong() != mergesCrc
                || in.getLong() != crc(bytes, HEADER, bytes.length - HEADER)) {
            return null;
        }
        try {
            Tables t = new Tables(SortedSymbols.read(in), SortedSymbols.read(in));
            return in.hasRemaining() ? null : t;
        } catch (IllegalArgumentException | IndexOutOfBoundsException | BufferUnderflowException e) {
            return null;
        }
    }

    private static byte[] read(Path file) throws IOException {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "tokenizer file is missing");
        }
    }

    private static long crc(byte[] b) {
        return crc(b, 0, b.length);
    }

    private static long crc(byte[] b, int off, int len) {
        CRC32 c = new CRC32();
        c.update(b, off, len);
        return c.getValue();
    }
}
