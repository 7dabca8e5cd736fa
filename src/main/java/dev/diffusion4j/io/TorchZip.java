package dev.diffusion4j.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The zip container {@code torch.save} writes (since torch 1.6): read from its central directory, ZIP64 included,
 * since torch's writer puts the sizes in data descriptors, not in the local headers. Torch stores every entry
 * uncompressed and 64-byte aligned, so an entry's bytes are a plain range of the file: they are mapped, never read
 * whole. Every offset and size is checked against the file before use.
 */
final class TorchZip {

    /** An entry of the central directory. */
    record Entry(String name, int method, long compressedSize, long size, long localHeaderOffset) {}

    private static final int EOCD = 0x06054b50;
    private static final int ZIP64_LOCATOR = 0x07064b50;
    private static final int ZIP64_EOCD = 0x06064b50;
    private static final int CENTRAL = 0x02014b50;
    private static final int LOCAL = 0x04034b50;
    /** Largest central directory accepted: about 700,000 entries, far beyond any checkpoint. */
    private static final long MAX_CENTRAL_DIRECTORY = 64L << 20;

    private final Path file;
    private final FileChannel channel;
    private final long centralStart;
    private final Map<String, Entry> entries;

    private TorchZip(Path file, FileChannel channel, long centralStart, Map<String, Entry> entries) {
        this.file = file;
        this.channel = channel;
        this.centralStart = centralStart;
        this.entries = entries;
    }

    /** Reads the central directory of an open file, or throws an IOException naming the file. */
    static TorchZip read(Path file, FileChannel channel) throws IOException {
        long size = channel.size();
        int tail = (int) Math.min(size, 22 + 0xffff);
        ByteBuffer end = readAt(file, channel, size - tail, tail);
        int eocd = -1;
        for (int i = tail - 22; i >= 0; i--) {
            if (end.getInt(i) == EOCD && i + 22 + (end.getShort(i + 20) & 0xffff) == tail) {
                eocd = i;
                break;
            }
        }
        if (eocd < 0) {
            throw new IOException(file + ": no zip end-of-central-directory record (truncated or not a zip file)");
        }
        long count = end.getShort(eocd + 10) & 0xffff;
        long cdSize = end.getInt(eocd + 12) & 0xffffffffL;
        long cdOffset = end.getInt(eocd + 16) & 0xffffffffL;
        long eocdPosition = size - tail + eocd;
        if (eocdPosition >= 20 && readAt(file, channel, eocdPosition - 20, 20).getInt(0) == ZIP64_LOCATOR) {
            long z = readAt(file, channel, eocdPosition - 20, 20).getLong(8);
            if (z < 0 || z > eocdPosition - 56) {
                throw new IOException(file + ": ZIP64 end record offset " + z + " is outside the file");
            }
            ByteBuffer z64 = readAt(file, channel, z, 56);
            if (z64.getInt(0) != ZIP64_EOCD) {
                throw new IOException(file + ": no ZIP64 end record at offset " + z);
            }
            count = z64.getLong(32);
            cdSize = z64.getLong(40);
            cdOffset = z64.getLong(48);
        }
        if (cdSize < 0 || cdOffset < 0 || cdSize > MAX_CENTRAL_DIRECTORY || cdOffset > eocdPosition - cdSize
                || count < 0 || count > cdSize / 46) {
            throw new IOException(file + ": zip central directory (" + Long.toUnsignedString(count) + " entries, "
                    + Long.toUnsignedString(cdSize) + " bytes at " + Long.toUnsignedString(cdOffset)
                    + ") does not fit the " + size + "-byte file");
        }
        ByteBuffer cd = readAt(file, channel, cdOffset, (int) cdSize);
        Map<String, Entry> entries = new LinkedHashMap<>();
        int p = 0;
        for (long i = 0; i < count; i++) {
            if (p > cd.limit() - 46 || cd.getInt(p) != CENTRAL) {
                throw new IOException(file + ": zip central directory entry " + i + " is malformed");
            }
            int nameLength = cd.getShort(p + 28) & 0xffff;
            int extraLength = cd.getShort(p + 30) & 0xffff;
            int commentLength = cd.getShort(p + 32) & 0xffff;
            if (p + 46L + nameLength + extraLength + commentLength > cd.limit()) {
                throw new IOException(file + ": zip central directory entry " + i + " runs past the directory");
            }
            byte[] nameBytes = new byte[nameLength];
            cd.get(p + 46, nameBytes);
            String name = new String(nameBytes, StandardCharsets.UTF_8);
            long compressed = cd.getInt(p + 20) & 0xffffffffL;
            long uncompressed = cd.getInt(p + 24) & 0xffffffffL;
            long local = cd.getInt(p + 42) & 0xffffffffL;
            // ZIP64 extra field: the 8-byte values of exactly those fields whose 4-byte value is 0xffffffff.
            int x = p + 46 + nameLength;
            int xEnd = x + extraLength;
            while (x + 4 <= xEnd) {
                int id = cd.getShort(x) & 0xffff;
                int len = cd.getShort(x + 2) & 0xffff;
                if (x + 4 + len > xEnd) {
                    break;
                }
                if (id == 1) {
                    int q = x + 4;
                    if (uncompressed == 0xffffffffL && q + 8 <= x + 4 + len) {
                        uncompressed = cd.getLong(q);
                        q += 8;
                    }
                    if (compressed == 0xffffffffL && q + 8 <= x + 4 + len) {
                        compressed = cd.getLong(q);
                        q += 8;
                    }
                    if (local == 0xffffffffL && q + 8 <= x + 4 + len) {
                        local = cd.getLong(q);
                    }
                }
                x += 4 + len;
            }
            if (compressed < 0 || uncompressed < 0 || local < 0 || local > cdOffset - 30
                    || compressed > cdOffset - local) {
                throw new IOException(file + ": zip entry '" + PickleLiterals.printable(name) + "' has sizes or offset"
                        + " outside the file");
            }
            if (entries.put(name, new Entry(name, cd.getShort(p + 10) & 0xffff, compressed, uncompressed,
                    local)) != null) {
                throw new IOException(file + ": zip entry '" + PickleLiterals.printable(name) + "' appears twice");
            }
            p += 46 + nameLength + extraLength + commentLength;
        }
        return new TorchZip(file, channel, cdOffset, Collections.unmodifiableMap(entries));
    }

    Map<String, Entry> entries() {
        return entries;
    }

    /** The file offset of an entry's bytes, after checking its local header, that it is stored and that it fits. */
    long dataOffset(Entry e) throws IOException {
        if (e.method() != 0) {
            throw new IOException(file + ": zip entry '" + PickleLiterals.printable(e.name()) + "' is compressed (method "
                    + e.method() + "); torch stores entries uncompressed, so the file was repacked: unzip and"
                    + " re-zip it with -0 (no compression)");
        }
        if (e.compressedSize() != e.size()) {
            throw new IOException(file + ": zip entry '" + PickleLiterals.printable(e.name()) + "' is stored but its sizes"
                    + " differ (" + e.compressedSize() + " and " + e.size() + ")");
        }
        ByteBuffer local = readAt(file, channel, e.localHeaderOffset(), 30);
        if (local.getInt(0) != LOCAL) {
            throw new IOException(file + ": zip entry '" + PickleLiterals.printable(e.name()) + "': no local header at "
                    + e.localHeaderOffset());
        }
        long data = e.localHeaderOffset() + 30 + (local.getShort(26) & 0xffff) + (local.getShort(28) & 0xffff);
        if (data > centralStart - e.size()) {
            throw new IOException(file + ": zip entry '" + PickleLiterals.printable(e.name()) + "': its " + e.size()
                    + " bytes at " + data + " run past the entries");
        }
        return data;
    }

    /** A whole entry's bytes, for the small ones (the pickle); {@code limit} bounds the allocation. */
    byte[] readEntry(Entry e, long limit) throws IOException {
        long offset = dataOffset(e);
        if (e.size() > limit) {
            throw new IOException(file + ": zip entry '" + PickleLiterals.printable(e.name()) + "' has " + e.size()
                    + " bytes, more than the " + limit + " accepted");
        }
        ByteBuffer b = readAt(file, channel, offset, (int) e.size());
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    /** {@code length} bytes of an entry's data from {@code position}, memory-mapped read-only, little-endian. */
    ByteBuffer map(Entry e, long position, long length) throws IOException {
        long offset = dataOffset(e);
        if (position < 0 || length < 0 || position > e.size() - length) {
            throw new IOException(file + ": zip entry '" + PickleLiterals.printable(e.name()) + "': bytes [" + position
                    + ", " + (position + length) + ") are outside its " + e.size());
        }
        if (length > Integer.MAX_VALUE) {
            throw new UnsupportedOperationException(file + ": zip entry '" + PickleLiterals.printable(e.name()) + "': "
                    + length + " bytes is too large to load: arrays are limited to 2 GiB");
        }
        MappedByteBuffer m = channel.map(FileChannel.MapMode.READ_ONLY, offset + position, length);
        return m.order(ByteOrder.LITTLE_ENDIAN);
    }

    static ByteBuffer readAt(Path file, FileChannel channel, long position, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            if (channel.read(b, position + b.position()) < 0) {
                throw new IOException(file + ": truncated: " + length + " bytes at offset " + position
                        + " run past the end of the file");
            }
        }
        return b.flip();
    }
}
