package dev.diffusion4j.schedulers;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The scheduler registry: every scheduler class this package implements, each declared once by the {@code SPEC}
 * constant beside its class. The CLI help, the infotext, {@link SchedulerConfig}'s defaults and the server's sampler
 * list all iterate it, so adding a sampler is one new file plus one line in {@link #ALL}.
 *
 * <p>Names are matched after {@link SamplerSpec#normalise}: canonical names ({@code ddim pndm lms euler euler_a heun
 * dpm2 dpm2_a dpm++2m dpm++2m_sde ddpm lcm}), A1111's ("Euler a", "DPM++ 2M Karras", "PLMS"), k-diffusion's ("k_euler_ancestral"),
 * diffusers' class names. A trailing "Karras", or the sigma schedule "karras", selects Karras sigmas where the class
 * has them; "discrete" (the default) keeps the model's own setting.
 */
public final class Samplers {

    /** The registry, in the order lists show it. */
    private static final List<SchedulerSpec> ALL = List.of(DDIMScheduler.SPEC, PNDMScheduler.SPEC,
            LMSDiscreteScheduler.SPEC, EulerDiscreteScheduler.SPEC, EulerAncestralDiscreteScheduler.SPEC,
            HeunDiscreteScheduler.SPEC, KDPM2DiscreteScheduler.SPEC, KDPM2AncestralDiscreteScheduler.SPEC,
            DPMSolverMultistepScheduler.SPEC, DPMSolverSinglestepScheduler.SPEC, UniPCMultistepScheduler.SPEC,
            DEISMultistepScheduler.SPEC, DDPMScheduler.SPEC, LCMScheduler.SPEC);

    private static final Map<String, SchedulerSpec> BY_CLASS = byClass();
    private static final Map<String, SamplerSpec> BY_NAME = byName();

    /** Sigma schedules {@code --scheduler} accepts. */
    public static final List<String> SIGMA_SCHEDULES = List.of("discrete", "karras");

    /** Timestep spacings {@code --timestep-spacing} accepts (diffusers' terms). */
    public static final List<String> TIMESTEP_SPACINGS = List.of("leading", "linspace", "trailing");

    private Samplers() {}

    /** Every scheduler class, in registry order. */
    public static List<SchedulerSpec> schedulers() {
        return ALL;
    }

    /** Every sampler, in registry order. */
    public static List<SamplerSpec> samplers() {
        List<SamplerSpec> out = new ArrayList<>();
        ALL.forEach(s -> out.addAll(s.samplers()));
        return Collections.unmodifiableList(out);
    }

    /** Canonical sampler names, in registry order. */
    public static List<String> names() {
        return samplers().stream().map(SamplerSpec::name).toList();
    }

    /** The declaration of a diffusers scheduler class. */
    public static SchedulerSpec spec(String className) {
        SchedulerSpec s = BY_CLASS.get(className);
        if (s == null) {
            throw new IllegalArgumentException("unsupported scheduler class '" + className + "': expected one of "
                    + BY_CLASS.keySet());
        }
        return s;
    }

    /** Whether {@code className} is implemented here. */
    public static boolean isKnown(String className) {
        return BY_CLASS.containsKey(className);
    }

    /** {@link #parse(String, String, String)} with the model's own spacings (unless the name ends in "Karras"). */
    public static Sampler parse(String name) {
        return parse(name, null, null);
    }

    /**
     * Resolves a sampler name with a sigma schedule ({@code "karras"}, {@code "discrete"} or null) and a timestep
     * spacing (one of {@link #TIMESTEP_SPACINGS} or null).
     *
     * @throws IllegalArgumentException naming the bad value and the valid ones
     */
    public static Sampler parse(String name, String sigmaSchedule, String timestepSpacing) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("no sampler name given; valid names: " + String.join(", ", names()));
        }
        boolean karras = karras(sigmaSchedule);
        String key = SamplerSpec.normalise(name);
        if (key.endsWith("karras")) {
            karras = true;
            key = key.substring(0, key.length() - "karras".length());
        }
        SamplerSpec sampler = BY_NAME.get(key);
        if (sampler == null) {
            throw new IllegalArgumentException("unknown sampler '" + name + "'; valid names: "
                    + String.join(", ", names()) + " (A1111 names like \"Euler a\" or \"DPM++ 2M Karras\" also work)");
        }
        SchedulerSpec scheduler = ALL.stream().filter(s -> s.samplers().contains(sampler)).findFirst().orElseThrow();
        if (karras && !scheduler.supportsKarras()) {
            throw new IllegalArgumentException("sampler '" + name + "' has no Karras sigma schedule; Karras works with "
                    + String.join(", ", karrasCapable()));
        }
        if (timestepSpacing != null) {
            if (!TIMESTEP_SPACINGS.contains(timestepSpacing)) {
                throw new IllegalArgumentException("unknown timestep spacing '" + timestepSpacing + "'; valid: "
                        + String.join(", ", TIMESTEP_SPACINGS));
            }
            if (!scheduler.supportsTimestepSpacing()) {
                throw new IllegalArgumentException("sampler '" + name + "' (" + scheduler.className()
                        + ") ignores the timestep spacing");
            }
        }
        return new Sampler(sampler, scheduler, karras, timestepSpacing);
    }

    private static boolean karras(String sigmaSchedule) {
        String s = sigmaSchedule == null ? "discrete" : sigmaSchedule.toLowerCase(Locale.ROOT).trim();
        return switch (s) {
            case "karras" -> true;
            case "discrete", "default", "" -> false;
            default -> throw new IllegalArgumentException("unknown sigma schedule '" + sigmaSchedule + "'; valid: "
                    + String.join(", ", SIGMA_SCHEDULES));
        };
    }

    /** Canonical names of the samplers with Karras sigmas. */
    public static List<String> karrasCapable() {
        return ALL.stream().filter(SchedulerSpec::supportsKarras)
                .flatMap(s -> s.samplers().stream().map(SamplerSpec::name)).toList();
    }

    /** The scheduler {@code config} names: the model's own scheduler from its {@code scheduler_config.json}. */
    public static Scheduler fromConfig(SchedulerConfig config) {
        return spec(config.className()).factory().apply(config);
    }

    /**
     * The A1111 name of a config's scheduler (a DPMSolverMultistepScheduler with {@code algorithm_type:
     * sde-dpmsolver++} is "DPM++ 2M SDE"), with " Karras" where the config selects Karras sigmas.
     */
    public static String displayName(SchedulerConfig config) {
        return forConfig(config).displayName();
    }

    /**
     * The sampler a scheduler config runs: the first sampler of its class whose overrides the config matches, else
     * the class's first; Karras where the config selects Karras sigmas; the config's own timestep spacing.
     */
    public static Sampler forConfig(SchedulerConfig config) {
        SchedulerSpec spec = spec(config.className());
        Map<String, Object> effective = config.effective();
        SamplerSpec match = spec.samplers().stream()
                .filter(s -> s.overrides().entrySet().stream()
                        .allMatch(e -> Objects.equals(effective.get(e.getKey()), normalised(e.getValue()))))
                .findFirst().orElse(spec.samplers().get(0));
        boolean karras = config.has("use_karras_sigmas") && config.useKarrasSigmas();
        return new Sampler(match, spec, karras, null);
    }

    private static Object normalised(Object v) {
        return v instanceof Number n ? n.doubleValue() : v;
    }

    private static Map<String, SchedulerSpec> byClass() {
        Map<String, SchedulerSpec> m = new LinkedHashMap<>();
        for (SchedulerSpec s : ALL) {
            if (m.put(s.className(), s) != null) {
                throw new IllegalStateException("scheduler class registered twice: " + s.className());
            }
        }
        return Collections.unmodifiableMap(m);
    }

    private static Map<String, SamplerSpec> byName() {
        Map<String, SamplerSpec> m = new LinkedHashMap<>();
        for (SchedulerSpec s : ALL) {
            for (SamplerSpec sampler : s.samplers()) {
                List<String> keys = new ArrayList<>(sampler.aliases());
                keys.add(sampler.name());
                keys.add(sampler.displayName());
                for (String k : keys) {
                    SamplerSpec old = m.put(SamplerSpec.normalise(k), sampler);
                    if (old != null && old != sampler) {
                        throw new IllegalStateException("sampler name '" + k + "' is taken by " + old.name());
                    }
                }
            }
        }
        return Collections.unmodifiableMap(m);
    }
}
