package dev.diffusion4j.pipelines;

import dev.diffusion4j.adapters.Lora;
import dev.diffusion4j.text.ExtraNetworkTag;
import dev.diffusion4j.text.ExtraNetworks;
import dev.diffusion4j.text.PromptSyntax;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The LoRAs of a request: its own list ({@code --lora}) followed by the {@code <lora:NAME:WEIGHT>} tags of its
 * prompts (A1111 syntax only; {@code lyco} is the same), each NAME the stem of a file under the request's LoRA
 * folder. A1111 reads tags from the positive prompts; the conditioner sees them with the tags removed.
 */
final class PromptLoras {

    private PromptLoras() {}

    /** The prompts as the conditioner reads them: without extra-network tags under A1111 syntax. */
    static List<String> strip(List<String> prompts, PromptSyntax syntax) {
        return syntax == PromptSyntax.PLAIN ? prompts
                : prompts.stream().map(p -> ExtraNetworks.parse(p).prompt()).toList();
    }

    /**
     * Every LoRA the request applies.
     *
     * @throws IllegalArgumentException naming a tag whose file is missing, a tag of another network type, or a tag
     *     without a LoRA folder
     */
    static List<Lora> resolve(GenerationRequest r) {
        List<Lora> all = new ArrayList<>(r.loras());
        if (r.promptSyntax() == PromptSyntax.PLAIN) {
            return all;
        }
        for (String prompt : r.prompts()) {
            for (ExtraNetworkTag tag : ExtraNetworks.parse(prompt).tags()) {
                if (!tag.type().equals("lora") && !tag.type().equals("lyco")) {
                    throw new IllegalArgumentException("prompt tag " + tag.tag() + ": only <lora:NAME:WEIGHT> tags "
                            + "are supported");
                }
                if (r.loraDir() == null) {
                    throw new IllegalArgumentException("prompt tag " + tag.tag() + " needs a LoRA folder "
                            + "(--lora-dir DIR)");
                }
                Path file = find(r.loraDir(), tag.name()).orElseThrow(() -> new IllegalArgumentException(
                        "prompt tag " + tag.tag() + ": no LoRA named '" + tag.name() + "' in " + r.loraDir()
                                + " (looked for " + String.join(", ", Lora.EXTENSIONS) + ")"));
                all.add(new Lora(tag.name(), file, tag.multiplier(), tag.unetMultiplier()));
            }
        }
        return all;
    }

    /** The first file (in path order) under {@code dir} whose stem is {@code name}, ignoring case as A1111 does. */
    private static Optional<Path> find(Path dir, String name) {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).filter(p -> {
                String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
                return Lora.EXTENSIONS.stream().anyMatch(e -> n.equals(name.toLowerCase(Locale.ROOT) + e));
            }).sorted().findFirst();
        } catch (IOException e) {
            throw new UncheckedIOException("LoRA folder " + dir + ": " + e.getMessage(), e);
        }
    }
}
