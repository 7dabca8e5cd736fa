package dev.diffusion4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.diffusion4j.io.SafeTensors;
import dev.diffusion4j.tensor.Precision;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/** Named tensors a model can be loaded from: a safetensors file, a converted checkpoint, or arrays in memory. */
public interface WeightSource {

    /** Where the weights come from, for error messages (a file path). */
    String describe();

    Set<String> names();

    Shape shape(String name);

    /** The tensor as {@code dtype} in {@code manager}. */
    NDArray load(String name, NDManager manager, DataType dtype);

    /** Builds a model from a safetensors file, which is open only while {@code build} loads from it. */
    static <M> M fromFile(Path weights, Function<WeightSource, M> build) throws IOException {
        return fromFile(weights, true, build);
    }

    /**
     * {@link #fromFile(Path, Function)}, choosing whether tensors may be memory-mapped
     * ({@code SafeTensors.open(file, zeroCopy)}). A model converted after reading (bf16) reads copies: a mapping
     * behind a converted-then-closed tensor stays resident until the garbage collector frees its buffer.
     */
    static <M> M fromFile(Path weights, boolean zeroCopy, Function<WeightSource, M> build) throws IOException {
        try (SafeTensors st = SafeTensors.open(weights, zeroCopy)) {
            return build.apply(of(st));
        }
    }

    /** The tensors of an open safetensors file (which must stay open while loading). */
    static WeightSource of(SafeTensors file) {
        return new WeightSource() {
            @Override
            public String describe() {
                return file.file().toString();
            }

            @Override
            public Set<String> names() {
                return file.names();
            }

            @Override
            public Shape shape(String name) {
                return new Shape(file.info(name).shape());
            }

            @Override
            public NDArray load(String name, NDManager manager, DataType dtype) {
                return file.load(name, manager, dtype);
            }
        };
    }

    /** Arrays already in memory (tests, conversions); loading duplicates them into the target manager. */
    static WeightSource of(String description, Map<String, NDArray> arrays) {
        return new WeightSource() {
            @Override
            public String describe() {
                return description;
            }

            @Override
            public Set<String> names() {
                return arrays.keySet();
            }

            @Override
            public Shape shape(String name) {
                return arrays.get(name).getShape();
            }

            @Override
            public NDArray load(String name, NDManager manager, DataType dtype) {
                NDArray src = arrays.get(name);
                NDArray copy = Precision.dtypeOf(src) == dtype ? src.duplicate() : Precision.cast(src, dtype);
                copy.attach(manager);
                return copy;
            }
        };
    }
}
