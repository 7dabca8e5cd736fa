package dev.diffusion4j.server;

import dev.diffusion4j.models.LoadOptions;
import dev.diffusion4j.models.ModelSpec;
import dev.diffusion4j.pipelines.StableDiffusion;
import java.io.IOException;

/**
 * The loaded model. Only the worker thread loads, switches and generates with it; request threads read the spec
 * (for defaults and validation) through the volatile fields.
 */
final class ModelHost implements AutoCloseable {

    private final LoadOptions options;
    private volatile ModelSpec spec;
    private volatile ServedModel served;
    private StableDiffusion model;

    /** Loads the first model (on the caller's thread, before the server accepts requests). */
    ModelHost(ServedModel first, LoadOptions options) throws IOException {
        this.options = options;
        load(first);
    }

    ModelSpec spec() {
        return spec;
    }

    ServedModel served() {
        return served;
    }

    StableDiffusion model() {
        return model;
    }

    /**
     * Switches to another model, closing the current one first so that two never share memory (as A1111 unloads
     * before loading). If the new one fails to load, the previous one is loaded again and the failure is rethrown.
     */
    void switchTo(ServedModel next) throws IOException {
        if (next.path().equals(served.path())) {
            return;
        }
        ServedModel previous = served;
        close();
        try {
            load(next);
        } catch (IOException | RuntimeException e) {
            load(previous);
            throw e;
        }
    }

    private void load(ServedModel m) throws IOException {
        ModelSpec s = m.open();
        model = StableDiffusion.load(s, options, done -> { });
        spec = s;
        served = m;
    }

    @Override
    public void close() {
        if (model != null) {
            model.close();
            model = null;
        }
    }
}
