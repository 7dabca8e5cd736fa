package dev.diffusion4j.server;

import dev.diffusion4j.io.ModelDirectory;
import dev.diffusion4j.models.LoadOptions;
import dev.diffusion4j.models.ModelSpec;
import dev.diffusion4j.pipelines.StableDiffusion;
import java.io.IOException;

/**
 * The loaded model. Only the worker thread loads, switches and generates with it; request threads read the spec
 * (for defaults and validation) through the volatile fields.
 */
final class ModelHost implements AutoCloseable {

    private volatile ModelSpec spec;
    private volatile ModelDirectory dir;
    private StableDiffusion model;

    /** Loads the first model (on the caller's thread, before the server accepts requests). */
    ModelHost(ModelDirectory first) throws IOException {
        load(first);
    }

    ModelSpec spec() {
        return spec;
    }

    ModelDirectory dir() {
        return dir;
    }

    StableDiffusion model() {
        return model;
    }

    /**
     * Switches to another model, closing the current one first so that two never share memory (as A1111 unloads
     * before loading). If the new one fails to load, the previous one is loaded again and the failure is rethrown.
     */
    void switchTo(ModelDirectory next) throws IOException {
        if (next.root().equals(dir.root())) {
            return;
        }
        ModelDirectory previous = dir;
        close();
        try {
            load(next);
        } catch (IOException | RuntimeException e) {
            load(previous);
            throw e;
        }
    }

    private void load(ModelDirectory d) throws IOException {
        ModelSpec s = ModelSpec.open(d);
        model = StableDiffusion.load(s, LoadOptions.defaults(), done -> { });
        spec = s;
        dir = d;
    }

    @Override
    public void close() {
        if (model != null) {
            model.close();
            model = null;
        }
    }
}
