package dev.diffusion4j.text;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One {@code <type:args>} tag of a prompt, e.g. {@code <lora:detail:0.6>}, with its arguments split as A1111's
 * {@code ExtraNetworkParams} splits them: at {@code :}, an argument with exactly one {@code =} being named
 * ({@code te=0.5}), the others positional. For the built-in network types (lora, lyco, hypernet) the first
 * positional argument is the file name and the second the multiplier; see {@link ExtraNetworks}.
 *
 * @param tag the tag as written, for messages
 * @param name the first positional argument ("" when there is none)
 * @param multiplier the text-encoder multiplier: second positional argument, else named {@code te}, else 1.0
 * @param unetMultiplier third positional argument, else named {@code unet}, else {@code multiplier}
 */
public record ExtraNetworkTag(String tag, String type, String name, double multiplier, double unetMultiplier,
                              List<String> positional, Map<String, String> named) {

    public ExtraNetworkTag {
        Objects.requireNonNull(tag, "tag");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(name, "name");
        positional = List.copyOf(positional);
        named = Map.copyOf(named);
    }
}
