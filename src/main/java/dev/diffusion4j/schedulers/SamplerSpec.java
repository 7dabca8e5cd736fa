package dev.diffusion4j.schedulers;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One sampler as users name it: a scheduler class ({@link SchedulerSpec}) with config overrides.
 *
 * @param name canonical CLI name, e.g. {@code "dpm++2m"}
 * @param displayName AUTOMATIC1111's name, e.g. {@code "DPM++ 2M"} (the infotext and the server's sampler list;
 *     " Karras" is appended for Karras sigmas)
 * @param aliases further accepted names: sd.cpp's, k-diffusion's, diffusers'; compared after {@link #normalise}
 * @param overrides config keys this sampler sets on top of the model's scheduler config
 */
public record SamplerSpec(String name, String displayName, List<String> aliases, Map<String, Object> overrides) {

    public SamplerSpec {
        aliases = List.copyOf(aliases);
        overrides = Collections.unmodifiableMap(new LinkedHashMap<>(overrides));
    }

    /** A sampler with no overrides. */
    static SamplerSpec of(String name, String displayName, String... aliases) {
        return new SamplerSpec(name, displayName, List.of(aliases), Map.of());
    }

    /**
     * The form names are compared in: lower case, without a {@code k_} prefix (k-diffusion), spaces, underscores and
     * hyphens, with "dpmpp" spelled "dpm++" ("DPM++ 2M", "dpmpp_2m", "k_dpmpp_2m" are one name).
     */
    static String normalise(String name) {
        String key = name.toLowerCase(Locale.ROOT).trim();
        if (key.startsWith("k_")) {
            key = key.substring(2);
        }
        return key.replaceAll("[\\s_\\-]", "").replace("dpmpp", "dpm++");
    }
}
