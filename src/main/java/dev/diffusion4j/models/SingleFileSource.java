package dev.diffusion4j.models;

import dev.diffusion4j.nn.WeightSource;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * The parts of an original single file: each part is read through its key map ({@link MappedWeightSource}) from the
 * file, opened again per part (cheap: a header, or a checkpoint's pickle) so that nothing stays mapped between parts.
 *
 * @param file the safetensors or checkpoint file
 * @param mapping its keys mapped to diffusers parts and names
 * @param tokenizer the tokenizer folder: the {@code --config} folder's, else the built-in CLIP vocabulary
 * @param padToken the family's padding token when the tokenizer is the built-in one, else null
 */
record SingleFileSource(Path file, SingleFileMapping mapping, Path tokenizer, String padToken) implements ModelSource {

    @Override
    public <M> M load(String part, Function<WeightSource, M> build) throws IOException {
        try (SingleFile f = SingleFile.open(file)) {
            return build.apply(new MappedWeightSource(f.weights(), part, mapping.part(part)));
        }
    }
}
