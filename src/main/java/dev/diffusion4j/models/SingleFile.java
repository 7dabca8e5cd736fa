package dev.diffusion4j.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.diffusion4j.io.SafeTensors;
import dev.diffusion4j.io.TorchCheckpoint;
import dev.diffusion4j.nn.WeightSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * One open model file, safetensors or torch checkpoint, seen as a {@link WeightSource} of its tensors as stored.
 * Neither format is read into memory: safetensors is memory-mapped and a checkpoint maps one tensor's storage at a
 * time, so a file is never held twice while it loads.
 */
public final class SingleFile implements AutoCloseable {

    /** The extensions {@link #open} accepts, for messages. */
    public static final String EXTENSIONS = ".safetensors, .ckpt, .pt, .pth";

    private final Path file;
    private final SafeTensors safetensors;
    private final TorchCheckpoint checkpoint;

    private SingleFile(Path file, SafeTensors safetensors, TorchCheckpoint checkpoint) {
        this.file = file;
        this.safetensors = safetensors;
        this.checkpoint = checkpoint;
    }

    /** Whether {@code path} names a file this class opens (by extension). */
    public static boolean isModelFile(Path path) {
        String n = path.getFileName() == null ? "" : path.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".safetensors") || n.endsWith(".ckpt") || n.endsWith(".pt") || n.endsWith(".pth");
    }

    /**
     * Opens {@code file} by its extension; a checkpoint's pickle is read by the restricted unpickler, which refuses
     * any Python global other than the tensor-rebuild ones.
     *
     * @throws IOException naming the file: missing, another extension, malformed, or refused
     */
    public static SingleFile open(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": no such file");
        }
        if (!isModelFile(file)) {
            throw new IOException(file + ": not a model file: expected one of " + EXTENSIONS);
        }
        return file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".safetensors")
                ? new SingleFile(file, SafeTensors.open(file), null)
                : new SingleFile(file, null, TorchCheckpoint.open(file));
    }

    public Path file() {
        return file;
    }

    /** Every tensor's name and shape, in file order. */
    public Map<String, long[]> shapes() {
        Map<String, long[]> out = new LinkedHashMap<>();
        for (String name : names()) {
            out.put(name, safetensors != null ? safetensors.info(name).shape() : checkpoint.shape(name));
        }
        return out;
    }

    private Set<String> names() {
        return safetensors != null ? safetensors.names() : checkpoint.names();
    }

    /** The tensors as stored; valid while this file is open. */
    public WeightSource weights() {
        if (safetensors != null) {
            return WeightSource.of(safetensors);
        }
        return new WeightSource() {
            @Override
            public String describe() {
                return file.toString();
            }

            @Override
            public Set<String> names() {
                return checkpoint.names();
            }

            @Override
            public Shape shape(String name) {
                return new Shape(checkpoint.shape(name));
            }

            @Override
            public NDArray load(String name, NDManager manager, DataType dtype) {
                return checkpoint.load(name, manager, dtype);
            }
        };
    }

    @Override
    public void close() {
        if (safetensors != null) {
            safetensors.close();
        } else {
            checkpoint.close();
        }
    }
}
