package dev.diffusion4j.cli;

import dev.diffusion4j.models.ModelSpec;
import dev.diffusion4j.models.PredictionType;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The flags that describe a single-file model, shared by {@code generate}, {@code serve} and {@code convert}
 * (a picocli mixin): {@code --config DIR} and {@code --prediction-type}.
 */
final class SingleFileOptions {

    @Option(names = "--config", description = "A single file's architecture: a diffusers folder whose configs and "
            + "tokenizer describe it (default: the built-in configs of the family its keys show).")
    Path config;

    @Option(names = "--prediction-type", description = "A single file's prediction type: epsilon or v_prediction "
            + "(required for Stable Diffusion 2.x files without --config).")
    String predictionType;

    /** Whether either flag was given. */
    boolean given() {
        return config != null || predictionType != null;
    }

    /** The model {@code model} names with these flags (see {@link ModelChoice#open}). */
    ModelSpec open(String model, Path vae) throws IOException {
        return ModelChoice.open(model, config, predictionType, vae);
    }

    /** {@code --prediction-type} parsed, or null. */
    PredictionType prediction() {
        return ModelChoice.prediction(predictionType);
    }
}
