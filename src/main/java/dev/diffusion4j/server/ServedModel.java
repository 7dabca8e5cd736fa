package dev.diffusion4j.server;

import dev.diffusion4j.io.ModelDirectory;
import dev.diffusion4j.models.ModelSpec;
import dev.diffusion4j.models.PredictionType;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A model the server may load, under the name clients choose it by: a diffusers folder, or an original single
 * checkpoint file ({@code .safetensors}, {@code .ckpt}) read with the built-in configs of its family.
 *
 * @param folder the diffusers folder, or null for a single file
 * @param file the single file, or null for a folder
 * @param configDir a diffusers folder describing the file's architecture (as {@code d4j generate --config}), or null
 *     for its family's built-in configs
 * @param prediction an SD 2.x file's prediction type ({@code --prediction-type}), or null
 */
record ServedModel(String name, ModelDirectory folder, Path file, Path configDir, PredictionType prediction) {

    static ServedModel of(ModelDirectory folder) {
        return new ServedModel(folder.name(), folder, null, null, null);
    }

    static ServedModel file(String name, Path file, Path configDir) {
        return new ServedModel(name, null, file, configDir, null);
    }

    static ServedModel file(String name, Path file, Path configDir, PredictionType prediction) {
        return new ServedModel(name, null, file, configDir, prediction);
    }

    /** The folder or file, as A1111's {@code filename}. */
    Path path() {
        return folder != null ? folder.root() : file;
    }

    /**
     * Identifies the model (reads configs or a file's header). An SD 2.x file, whose ε and v-prediction models have
     * the same keys, is refused naming the way to load it.
     */
    ModelSpec open() throws IOException {
        if (folder != null) {
            return ModelSpec.open(folder);
        }
        try {
            return ModelSpec.open(file, configDir, prediction);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + " is a Stable Diffusion 2.x file, whose 512 (epsilon) and 768 "
                    + "(v_prediction) models cannot be told apart: put the diffusers configs of its architecture in a "
                    + "folder " + ModelCatalog.stem(name) + ModelCatalog.CONFIG_SUFFIX + " beside it, or convert it "
                    + "with 'd4j convert --prediction-type ...' and list that folder instead", e);
        }
    }
}
