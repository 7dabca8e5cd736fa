package dev.diffusion4j.text;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Takes A1111's extra-network tags ({@code <lora:name:weight>}, {@code <hypernet:name>}, any {@code <word:args>})
 * out of a prompt, as {@code modules/extra_networks.py} {@code parse_prompt} does before the attention syntax is
 * parsed: every match of {@code <(\w+):([^>]+)>} is removed (nothing else changes, so spaces around it stay) and
 * kept as an {@link ExtraNetworkTag}. Multipliers are read as {@code extra_networks_lora} reads them.
 */
public final class ExtraNetworks {

    /** A1111's {@code re_extra_net}; Python's {@code \w} on str is letters, numbers and underscore. */
    private static final Pattern TAG = Pattern.compile("<([\\p{L}\\p{N}_]+):([^>]+)>");

    /** The prompt with its tags removed, and the tags in prompt order. */
    public record Parsed(String prompt, List<ExtraNetworkTag> tags) {
        public Parsed {
            tags = List.copyOf(tags);
        }
    }

    private ExtraNetworks() {}

    /**
     * @throws IllegalArgumentException naming the tag when a multiplier (second or third positional argument,
     *     {@code te=}, {@code unet=}) is not a finite number; A1111 would fail on it while activating the network
     */
    public static Parsed parse(String prompt) {
        List<ExtraNetworkTag> tags = new ArrayList<>();
        Matcher m = TAG.matcher(prompt);
        StringBuilder rest = new StringBuilder();
        while (m.find()) {
            tags.add(tag(m.group(), m.group(1), m.group(2)));
            m.appendReplacement(rest, "");
        }
        m.appendTail(rest);
        return new Parsed(rest.toString(), tags);
    }

    private static ExtraNetworkTag tag(String text, String type, String args) {
        List<String> positional = new ArrayList<>();
        Map<String, String> named = new LinkedHashMap<>();
        // Python's str.split(':') keeps empty pieces; so does split with a negative limit
        for (String item : args.split(":", -1)) {
            String[] parts = item.split("=", -1);
            if (parts.length == 2) {
                named.put(parts[0], parts[1]);
            } else {
                positional.add(item);
            }
        }
        double te = positional.size() > 1 ? multiplier(text, positional.get(1)) : 1.0;
        if (named.containsKey("te")) {
            te = multiplier(text, named.get("te"));
        }
        double unet = positional.size() > 2 ? multiplier(text, positional.get(2)) : te;
        if (named.containsKey("unet")) {
            unet = multiplier(text, named.get("unet"));
        }
        String name = positional.isEmpty() ? "" : positional.get(0);
        return new ExtraNetworkTag(text, type, name, te, unet, positional, named);
    }

    private static double multiplier(String tag, String value) {
        double w;
        try {
            w = PyFloat.parse(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("extra network tag " + tag + ": multiplier \"" + value
                    + "\" is not a number", e);
        }
        if (!Double.isFinite(w)) {
            throw new IllegalArgumentException("extra network tag " + tag + ": multiplier \"" + value
                    + "\" is not finite");
        }
        return w;
    }
}
