package dev.diffusion4j.cli;

import dev.diffusion4j.models.ModelSpec;
import dev.diffusion4j.models.PredictionType;
import dev.diffusion4j.models.SingleFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The model of {@code --model}, {@code --config}, {@code --prediction-type} and {@code --vae}: a folder, a cached
 * repo id or a single file, identified (not loaded); bad combinations are usage errors.
 */
final class ModelChoice {

    private ModelChoice() {}

    static ModelSpec open(String model, Path config, String predictionType, Path vae) throws IOException {
        Path file = model == null ? null : Path.of(model);
        boolean single = file != null && Files.isRegularFile(file);
        if (single && !SingleFile.isModelFile(file)) {
            throw new UsageException("--model " + model + ": expected a model folder, a repo id or a single file ("
                    + SingleFile.EXTENSIONS + ")");
        }
        if (!single && (config != null || predictionType != null)) {
            throw new UsageException("--config and --prediction-type describe a single-file --model ("
                    + SingleFile.EXTENSIONS + ")");
        }
        if (config != null && !Files.isDirectory(config)) {
            throw new UsageException("--config " + config + ": not a folder");
        }
        if (vae != null && !Files.isRegularFile(vae)) {
            throw new UsageException("--vae " + vae + ": no such file");
        }
        ModelSpec spec;
        if (single) {
            try {
                spec = ModelSpec.open(file, config, prediction(predictionType));
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
        } else {
            spec = ModelSpec.open(DefaultModel.resolve(model));
        }
        return vae == null ? spec : spec.withVae(vae);
    }

    static PredictionType prediction(String value) {
        if (value == null) {
            return null;
        }
        return Arrays.stream(PredictionType.values()).filter(p -> p.configValue().equals(value)).findFirst()
                .orElseThrow(() -> new UsageException("--prediction-type must be epsilon or v_prediction, got '"
                        + value + "'"));
    }
}
