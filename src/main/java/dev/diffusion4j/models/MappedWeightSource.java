package dev.diffusion4j.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.diffusion4j.nn.WeightSource;
import java.util.Map;
import java.util.Set;

/**
 * One part of an original single file seen through its diffusers names: {@link #names()} and {@link #shape} are
 * exactly the diffusers keys and shapes (what the strict loader checks), and {@link #load} reads the original tensor
 * and applies its {@link Transform}.
 */
public final class MappedWeightSource implements WeightSource {

    private final WeightSource file;
    private final String part;
    private final Map<String, SourceTensor> map;

    /**
     * @param file the whole single file, which must stay open while loading
     * @param part the part's name, for messages ({@code unet}, {@code vae}, ...)
     * @param map the part's map from {@link SingleFileMapping#part}
     */
    public MappedWeightSource(WeightSource file, String part, Map<String, SourceTensor> map) {
        this.file = file;
        this.part = part;
        this.map = map;
    }

    @Override
    public String describe() {
        return file.describe() + " (" + part + ", original layout)";
    }

    @Override
    public Set<String> names() {
        return map.keySet();
    }

    @Override
    public Shape shape(String name) {
        return new Shape(source(name).shape());
    }

    @Override
    public NDArray load(String name, NDManager manager, DataType dtype) {
        SourceTensor source = source(name);
        if (source.transform() == Transform.IDENTITY) {
            return file.load(source.key(), manager, dtype);
        }
        // The original tensor lives only as long as the transform needs it. A transform may return a view (a
        // reshape), and a zero-copy safetensors array's mapping ends when the array closes, views or not: the
        // result is copied into memory of its own before the original is closed.
        try (NDManager scratch = manager.newSubManager()) {
            NDArray result = source.transform().apply(file.load(source.key(), scratch, dtype)).duplicate();
            result.attach(manager);
            return result;
        }
    }

    private SourceTensor source(String name) {
        SourceTensor source = map.get(name);
        if (source == null) {
            throw new IllegalArgumentException(describe() + " has no tensor " + name);
        }
        return source;
    }
}
