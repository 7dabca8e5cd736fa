package dev.diffusion4j.cli;

import dev.diffusion4j.schedulers.Samplers;
import java.util.Iterator;

/** The canonical sampler names from the registry, for {@code --sampler}'s help and shell completion. */
final class SamplerNames implements Iterable<String> {

    @Override
    public Iterator<String> iterator() {
        return Samplers.names().iterator();
    }
}
