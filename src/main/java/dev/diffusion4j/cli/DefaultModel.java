package dev.diffusion4j.cli;

import dev.diffusion4j.io.ModelDirectory;
import dev.diffusion4j.models.Installation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the model a command runs: {@code --model}, else the built-in model shipped under {@code models/}. */
final class DefaultModel {

    static final String NAME = "d4j-shapes";

    private DefaultModel() {}

    static ModelDirectory resolve(String spec) {
        try {
            if (spec != null) {
                return ModelDirectory.resolve(spec);
            }
            Path dir = home().resolve("models").resolve(NAME);
            if (!Files.isDirectory(dir)) {
                throw new UsageException("no --model given and the built-in model is missing (" + dir + ")");
            }
            return ModelDirectory.open(dir, NAME);
        } catch (IOException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /** The installation folder ({@link Installation#home}). */
    static Path home() {
        return Installation.home();
    }
}
