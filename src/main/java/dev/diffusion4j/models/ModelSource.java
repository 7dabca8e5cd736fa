package dev.diffusion4j.models;

import dev.diffusion4j.io.ModelDirectory;
import dev.diffusion4j.nn.WeightSource;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * Where a {@link ModelSpec}'s parts are read from: a diffusers folder, one original single file, or either with its
 * VAE replaced by a standalone VAE file.
 */
public interface ModelSource {

    /**
     * Builds {@code part} ("unet", "vae", "text_encoder") from its weights under diffusers names; the file is open
     * only while {@code build} runs.
     */
    <M> M load(String part, Function<WeightSource, M> build) throws IOException;

    /** The CLIP tokenizer folder ({@code vocab.json}, {@code merges.txt}, special tokens). */
    Path tokenizer();

    /** The padding token to use instead of the folder's, or null to keep it. */
    String padToken();

    /** A diffusers folder. */
    record Folder(ModelDirectory dir) implements ModelSource {
        @Override
        public <M> M load(String part, Function<WeightSource, M> build) throws IOException {
            return WeightSource.fromFile(dir.weights(part), build);
        }

        @Override
        public Path tokenizer() {
            return dir.root().resolve("tokenizer");
        }

        @Override
        public String padToken() {
            return null;
        }
    }
}
