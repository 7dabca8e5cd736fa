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

    /**
     * {@link #load(String, Function)}, saying whether tensors may stay memory-mapped: a model converted while loading
     * (bf16) wants copies, since a mapping behind a converted tensor stays resident until a garbage collection.
     */
    default <M> M load(String part, boolean zeroCopy, Function<WeightSource, M> build) throws IOException {
        return load(part, build);
    }

    /** The CLIP tokenizer folder ({@code vocab.json}, {@code merges.txt}, special tokens). */
    Path tokenizer();

    /** The padding token to use instead of the folder's, or null to keep it. */
    String padToken();

    /** SDXL's second tokenizer folder (OpenCLIP's: the CLIP vocabulary padding with "!"), null without one. */
    default Path tokenizer2() {
        return null;
    }

    /** The second tokenizer's padding token to use instead of its folder's, or null to keep it. */
    default String padToken2() {
        return null;
    }

    /** A diffusers folder. */
    record Folder(ModelDirectory dir) implements ModelSource {
        @Override
        public <M> M load(String part, Function<WeightSource, M> build) throws IOException {
            return load(part, true, build);
        }

        @Override
        public <M> M load(String part, boolean zeroCopy, Function<WeightSource, M> build) throws IOException {
            return WeightSource.fromFile(dir.weights(part), zeroCopy, build);
        }

        @Override
        public Path tokenizer() {
            return dir.root().resolve("tokenizer");
        }

        @Override
        public String padToken() {
            return null;
        }

        @Override
        public Path tokenizer2() {
            return dir.root().resolve("tokenizer_2");
        }
    }
}
