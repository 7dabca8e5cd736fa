package dev.diffusion4j;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.diffusion4j.io.ModelDirectory;
import dev.diffusion4j.io.Npy;
import dev.diffusion4j.pipelines.StableDiffusion;
import dev.diffusion4j.tensor.Engines;
import dev.diffusion4j.text.ClipConditioner;
import dev.diffusion4j.text.ClipTextModel;
import dev.diffusion4j.text.ClipTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;

/** The fixture model {@code tiny-sd1}, loaded once per test JVM. */
public final class TinySd1 {

    private static StableDiffusion model;

    private TinySd1() {}

    public static synchronized StableDiffusion model() {
        if (model == null) {
            Engines.start(0);
            try {
                model = StableDiffusion.load(ModelDirectory.open(Fixtures.tinySd1(), "tiny-sd1"), DataType.FLOAT32);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return model;
    }

    /** The SD 1.x conditioner of the model, whose tokenizer and text encoder the text tests use. */
    public static ClipConditioner clip() {
        return (ClipConditioner) model().conditioner();
    }

    public static ClipTokenizer tokenizer() {
        return clip().tokenizer();
    }

    public static ClipTextModel textEncoder() {
        return clip().textEncoder();
    }

    /** An npy array as an NDArray of its own shape (float32, or int64 for integer files). */
    public static NDArray array(NDManager m, Npy.Array a) {
        Shape shape = new Shape(a.shape());
        return a.dtype().equals("<i8") ? m.create(a.toLongs(), shape) : m.create(a.toFloats(), shape);
    }

    public static float[] floats(NDArray a) {
        return a.toType(DataType.FLOAT32, false).toFloatArray();
    }
}
