package dev.diffusion4j.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A checkpoint written by {@code torch.save} ({@code .ckpt}, {@code .pt}, {@code .pth}) in torch's zip format:
 * {@code <archive>/data.pkl} (the object, pickled), {@code <archive>/data/<key>} (one entry of raw little-endian
 * elements per storage), {@code <archive>/version}; the archive folder's name varies. The legacy format of torch
 * before 1.6 is recognised and refused.
 *
 * <p><b>Safety.</b> The pickle is read by {@link Pickle}, which cannot call anything: it builds plain values and
 * tensor references, and a file naming any other Python global (a malicious checkpoint's {@code os.system}) is
 * refused with an {@link IOException} naming the global. Every number from the file is checked before use, so a
 * malformed file is an {@code IOException} naming the file and the entry or tensor.
 *
 * <p><b>Memory.</b> {@link #open} reads only the zip directory and the pickle. {@link #load} maps just the bytes of
 * one tensor and converts them straight into the new array (fp16 and bf16 widened in Java, strided tensors
 * gathered), so loading a checkpoint holds one copy of each tensor at most. Instances are safe for concurrent
 * {@code load} calls.
 */
public final class TorchCheckpoint implements AutoCloseable {

    /** Largest pickle accepted: real checkpoints' are well under 10 MB. */
    private static final long MAX_PICKLE = 256L << 20;
    /** {@code torch.save}'s legacy magic number 0x1950a86a20f9469cfc6c as pickled: PROTO 2, LONG1 of 10 bytes. */
    private static final byte[] LEGACY_MAGIC = {(byte) 0x80, 2, (byte) 0x8a, 10, 0x6c, (byte) 0xfc, (byte) 0x9c, 0x46,
        (byte) 0xf9, 0x20, 0x6a, (byte) 0xa8, 0x50, 0x19};

    private final Path file;
    private final FileChannel channel;
    private final TorchZip zip;
    private final String archive;
    private final Object root;
    private final Map<String, TensorRef> tensors;
    private volatile boolean closed;

    private TorchCheckpoint(Path file, FileChannel channel, TorchZip zip, String archive, Object root,
                            Map<String, TensorRef> tensors) {
        this.file = file;
        this.channel = channel;
        this.zip = zip;
        this.archive = archive;
        this.root = root;
        this.tensors = tensors;
    }

    /**
     * Opens {@code file}: reads the zip directory and unpickles the object, checking that every tensor of
     * {@link #tensors()} has its storage entry.
     *
     * @throws IOException for a malformed, unsupported or refused file, naming it
     */
    public static TorchCheckpoint open(Path file) throws IOException {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new UnsupportedOperationException("torch checkpoints need a little-endian host");
        }
        if (Files.isDirectory(file)) {
            throw new IOException(file + ": is a directory, expected a torch checkpoint file");
        }
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
        try {
            return read(file, channel);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    private static TorchCheckpoint read(Path file, FileChannel channel) throws IOException {
        ByteBuffer head = TorchZip.readAt(file, channel, 0, (int) Math.min(channel.size(), LEGACY_MAGIC.length));
        if (head.remaining() == LEGACY_MAGIC.length && head.equals(ByteBuffer.wrap(LEGACY_MAGIC))) {
            throw new IOException(file + ": legacy torch format (torch.save before torch 1.6, or"
                    + " _use_new_zipfile_serialization=False) is not supported: re-save it with a current torch or"
                    + " convert it to safetensors");
        }
        if (head.remaining() < 4 || head.getInt(0) != 0x04034b50) {
            throw new IOException(file + ": not a torch checkpoint (neither a zip archive nor a legacy torch"
                    + " pickle)");
        }
        TorchZip zip = TorchZip.read(file, channel);
        String pickleName = null;
        for (String name : zip.entries().keySet()) {
            int slash = name.indexOf('/');
            if (slash > 0 && name.indexOf('/', slash + 1) < 0 && name.endsWith("/data.pkl")) {
                if (pickleName != null) {
                    throw new IOException(file + ": holds two pickles, '" + PickleLiterals.printable(pickleName) + "' and '"
                            + PickleLiterals.printable(name) + "'");
                }
                pickleName = name;
            }
        }
        if (pickleName == null) {
            throw new IOException(file + ": a zip file without <archive>/data.pkl: not a torch checkpoint");
        }
        String archive = pickleName.substring(0, pickleName.indexOf('/'));
        TorchZip.Entry order = zip.entries().get(archive + "/byteorder");
        if (order != null && !new String(zip.readEntry(order, 16), StandardCharsets.US_ASCII).trim().equals("little")) {
            throw new IOException(file + ": stored big-endian (" + archive + "/byteorder): not supported");
        }
        Object root = Pickle.load(file + ": " + PickleLiterals.printable(pickleName),
                zip.readEntry(zip.entries().get(pickleName), MAX_PICKLE));
        Map<String, TensorRef> tensors = new LinkedHashMap<>();
        Object dict = root instanceof Map<?, ?> m && m.get("state_dict") instanceof Map<?, ?> sd ? sd : root;
        if (dict instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (e.getKey() instanceof String name && e.getValue() instanceof TensorRef t) {
                    tensors.put(name, t);
                }
            }
        }
        TorchCheckpoint c = new TorchCheckpoint(file, channel, zip, archive, root,
                Collections.unmodifiableMap(tensors));
        for (Map.Entry<String, TensorRef> e : tensors.entrySet()) {
            c.storage(e.getKey(), e.getValue());
        }
        return c;
    }

    public Path file() {
        return file;
    }

    /**
     * The unpickled object: {@code Map} (dicts, in file order), {@code List} (lists; tuples unmodifiable),
     * {@code Set}, {@code String}, {@code Long} (or {@code BigInteger}), {@code Double}, {@code Boolean},
     * {@code byte[]}, {@code null} (None) and {@link TensorRef}s; instances of allowed classes that carry no data
     * (a Lightning callback) are maps with a {@code "__class__"} entry. Acyclic and at most 100 levels deep.
     */
    public Object root() {
        return root;
    }

    /**
     * The state dict: the tensors of the root's {@code "state_dict"} dict if it has one, else of the root dict,
     * keyed as stored (nested dicts are not flattened; entries that are not tensors are left out), in file order.
     */
    public Map<String, TensorRef> tensors() {
        return tensors;
    }

    /** The names of {@link #tensors()}. */
    public Set<String> names() {
        return tensors.keySet();
    }

    /** @throws IllegalArgumentException if {@link #tensors()} has no tensor {@code name} */
    public TensorRef info(String name) {
        TensorRef t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException(file + ": no tensor '" + name + "' (the state dict has "
                    + tensors.size() + " tensors)");
        }
        return t;
    }

    /** The shape of tensor {@code name}. */
    public long[] shape(String name) {
        return info(name).shape();
    }

    /** Loads tensor {@code name}: floats as float32 (float64 stays float64), integers and bool as stored. */
    public NDArray load(String name, NDManager manager) {
        TensorRef t = info(name);
        return load(name, t, manager, t.dtype() == DataType.FLOAT64 ? DataType.FLOAT64 : DataType.FLOAT32);
    }

    /**
     * Loads tensor {@code name} with floats converted to {@code computeType} (FLOAT32, FLOAT16 or FLOAT64); integer
     * and bool tensors load as stored. The array belongs to {@code manager} and owns its memory.
     *
     * @throws UncheckedIOException if the tensor's storage entry is malformed or unreadable
     */
    public NDArray load(String name, NDManager manager, DataType computeType) {
        return load(name, info(name), manager, computeType);
    }

    /** Like {@link #load(String, NDManager, DataType)} for a tensor found anywhere in {@link #root()}. */
    public NDArray load(TensorRef tensor, NDManager manager, DataType computeType) {
        return load("over storage '" + tensor.storageKey() + "'", tensor, manager, computeType);
    }

    private NDArray load(String name, TensorRef t, NDManager manager, DataType computeType) {
        if (computeType != DataType.FLOAT32 && computeType != DataType.FLOAT16 && computeType != DataType.FLOAT64) {
            throw new IllegalArgumentException(file + ": loading tensor '" + name
                    + "': computeType must be FLOAT32, FLOAT16 or FLOAT64, got " + computeType);
        }
        if (t.dtype() == DataType.INT16) {
            throw new UnsupportedOperationException(file + ": tensor '" + name + "' is int16, which DJL cannot hold");
        }
        if (closed) {
            throw new IllegalStateException(file + ": closed");
        }
        boolean isFloat = t.dtype().isFloating();
        boolean widen = (t.dtype() == DataType.FLOAT16 && computeType != DataType.FLOAT16)
                || t.dtype() == DataType.BFLOAT16;
        DataType loaded = widen ? DataType.FLOAT32 : t.dtype();
        DataType target = isFloat ? computeType : t.dtype();
        long count = t.elementCount();
        if (count > Integer.MAX_VALUE / loaded.getNumOfBytes()) {
            throw new UnsupportedOperationException(file + ": tensor '" + name + "' " + t
                    + " is too large to load: arrays are limited to 2 GiB");
        }
        NDArray out = manager.create(new Shape(t.shape()), loaded);
        try {
            if (count > 0) {
                ByteBuffer dst = out.toByteBuffer(true).order(ByteOrder.LITTLE_ENDIAN);
                new TorchGather(t, map(name, t), widen).into(dst);
            }
            if (loaded == target) {
                return out;
            }
            try (out) {
                return out.toType(target, false);
            }
        } catch (IOException e) {
            out.close();
            throw new UncheckedIOException(file + ": loading tensor '" + name + "': " + e.getMessage(), e);
        } catch (RuntimeException e) {
            out.close();
            throw e;
        }
    }

    /** The mapped bytes from the tensor's first element to its last. */
    private ByteBuffer map(String name, TensorRef t) throws IOException {
        TorchZip.Entry e = storage(name, t);
        long es = t.dtype().getNumOfBytes();
        long last = t.storageOffset();
        long[] shape = t.shape();
        long[] stride = t.stride();
        for (int i = 0; i < shape.length; i++) {
            last += (shape[i] - 1) * stride[i]; // cannot overflow: Pickle proved last < storageNumel
        }
        return zip.map(e, t.storageOffset() * es, (last - t.storageOffset() + 1) * es);
    }

    /** The tensor's storage entry, checked to hold the storage's elements. */
    private TorchZip.Entry storage(String name, TensorRef t) throws IOException {
        String entryName = archive + "/data/" + t.storageKey();
        TorchZip.Entry e = zip.entries().get(entryName);
        if (e == null) {
            throw new IOException(file + ": tensor '" + name + "': storage entry '" + entryName + "' is missing");
        }
        long es = t.dtype().getNumOfBytes();
        if (t.storageNumel() > e.size() / es) {
            throw new IOException(file + ": tensor '" + name + "': storage '" + t.storageKey() + "' of "
                    + t.storageNumel() + " " + t.dtype() + " elements needs " + t.storageNumel() + " x " + es
                    + " bytes, its entry has " + e.size());
        }
        return e;
    }

    /** Closes the file. Loaded arrays own their memory and stay valid; further loads fail. */
    @Override
    public void close() {
        closed = true;
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": closing: " + e.getMessage(), e);
        }
    }

}
