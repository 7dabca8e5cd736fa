package dev.diffusion4j;

import ai.djl.ndarray.types.DataType;
import dev.diffusion4j.io.ModelDirectory;
import dev.diffusion4j.pipelines.StableDiffusion;
import dev.diffusion4j.tensor.Engines;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** The fixture model {@code tiny-sdxl} (a StableDiffusionXLPipeline folder), loaded once per test JVM. */
public final class TinySdxl {

    private static StableDiffusion model;

    private TinySdxl() {}

    public static Path dir() {
        return Fixtures.root().resolve("tiny-sdxl");
    }

    public static synchronized StableDiffusion model() {
        if (model == null) {
            Engines.start(0);
            try {
                model = StableDiffusion.load(ModelDirectory.open(dir(), "tiny-sdxl"), DataType.FLOAT32);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return model;
    }
}
