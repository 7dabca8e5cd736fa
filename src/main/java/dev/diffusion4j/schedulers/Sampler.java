package dev.diffusion4j.schedulers;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A resolved sampler choice: which sampler, on which sigma and timestep spacing. Made by {@link Samplers#parse},
 * once per request; builds its scheduler from a model's scheduler config.
 *
 * @param spec the sampler
 * @param scheduler its scheduler class
 * @param karras whether Karras sigmas are selected (only where the class supports them)
 * @param timestepSpacing diffusers' {@code timestep_spacing} to force ("leading", "linspace", "trailing"), or null
 *     for the model's own
 */
public record Sampler(SamplerSpec spec, SchedulerSpec scheduler, boolean karras, String timestepSpacing) {

    /** Canonical name, e.g. {@code "dpm++2m"}. */
    public String name() {
        return spec.name();
    }

    /** The diffusers class that runs it. */
    public String className() {
        return scheduler.className();
    }

    /** A1111's name, e.g. {@code "DPM++ 2M Karras"} (what the PNG "parameters" text records). */
    public String displayName() {
        return karras ? spec.displayName() + " Karras" : spec.displayName();
    }

    /** The config keys this choice sets on top of the model's scheduler config. */
    public Map<String, Object> overrides() {
        Map<String, Object> o = new LinkedHashMap<>(spec.overrides());
        if (karras) {
            o.put("use_karras_sigmas", true);
        }
        if (timestepSpacing != null) {
            o.put("timestep_spacing", timestepSpacing);
        }
        return o;
    }

    /** The scheduler for a model whose {@code scheduler_config.json} is {@code modelConfig} (diffusers' from_config). */
    public Scheduler create(SchedulerConfig modelConfig) {
        return scheduler.factory().apply(modelConfig.fromConfig(className(), overrides()));
    }
}
