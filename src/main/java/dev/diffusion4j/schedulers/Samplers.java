package dev.diffusion4j.schedulers;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * User-facing sampler names → schedulers built from a model's scheduler config with diffusers' {@code from_config}
 * semantics. Canonical names: {@code ddim pndm lms euler euler_a heun dpm++2m ddpm}. Also accepted, case- and
 * punctuation-insensitively: A1111 names ("Euler a", "DPM++ 2M", "DPM++ 2M Karras", "LMS Karras", "PLMS"), k-diffusion
 * names ("k_euler", "k_euler_ancestral", "k_dpmpp_2m", "k_lms"), "dpmpp_2m", "dpmsolver++". A trailing "karras", or
 * the sigma-schedule argument "karras", selects Karras sigmas (LMS, Euler, Heun, DPM++ 2M); "discrete" (the default)
 * keeps the model's own setting.
 */
public final class Samplers {

    /**
     * A resolved sampler choice.
     *
     * @param name canonical name, e.g. {@code "dpm++2m"}
     * @param className diffusers scheduler class
     * @param karras whether Karras sigmas are selected
     * @param displayName A1111's name, e.g. {@code "DPM++ 2M Karras"} (for the PNG "parameters" text)
     */
    public record Sampler(String name, String className, boolean karras, String displayName) {

        /** The config overrides this choice applies on top of the model's scheduler config. */
        public Map<String, Object> overrides() {
            Map<String, Object> o = new LinkedHashMap<>();
            if (className.equals("DPMSolverMultistepScheduler")) {
                o.put("algorithm_type", "dpmsolver++");
                o.put("solver_order", 2);
            }
            if (karras) {
                o.put("use_karras_sigmas", true);
            }
            return o;
        }

        /** The scheduler for a model whose {@code scheduler_config.json} is {@code modelConfig}. */
        public Scheduler create(SchedulerConfig modelConfig) {
            return fromConfig(modelConfig.fromConfig(className, overrides()));
        }
    }

    /** Canonical names, in this order. */
    public static final List<String> NAMES = List.of("ddim", "pndm", "lms", "euler", "euler_a", "heun", "dpm++2m",
            "ddpm");

    private static final List<String> KARRAS_CAPABLE = List.of("lms", "euler", "heun", "dpm++2m");

    private Samplers() {}

    /** Resolves {@code name} with the model's own sigma schedule unless the name ends in "karras". */
    public static Sampler parse(String name) {
        return parse(name, "discrete");
    }

    /**
     * Resolves a sampler name and a sigma schedule ({@code "karras"} or {@code "discrete"}).
     *
     * @throws IllegalArgumentException for an unknown name or schedule, listing the valid ones
     */
    public static Sampler parse(String name, String sigmaSchedule) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("no sampler name given; valid names: " + String.join(", ", NAMES));
        }
        boolean karras = switch (sigmaSchedule == null ? "discrete" : sigmaSchedule.toLowerCase(Locale.ROOT)) {
            case "karras" -> true;
            case "discrete", "default", "" -> false;
            default -> throw new IllegalArgumentException("unknown sigma schedule '" + sigmaSchedule
                    + "'; valid: karras, discrete");
        };
        String key = name.toLowerCase(Locale.ROOT).trim();
        if (key.startsWith("k_")) {
            key = key.substring(2);
        }
        key = key.replaceAll("[\\s_\\-]", "").replace("dpmpp", "dpm++");
        if (key.endsWith("karras")) {
            karras = true;
            key = key.substring(0, key.length() - "karras".length());
        }
        String canonical = switch (key) {
            case "ddim" -> "ddim";
            case "pndm", "plms" -> "pndm";
            case "lms" -> "lms";
            case "euler" -> "euler";
            case "eulera", "eulerancestral" -> "euler_a";
            case "heun" -> "heun";
            case "dpm++2m", "dpmsolver++", "dpmsolvermultistep" -> "dpm++2m";
            case "ddpm" -> "ddpm";
            default -> throw new IllegalArgumentException("unknown sampler '" + name + "'; valid names: "
                    + String.join(", ", NAMES) + " (A1111 names like \"Euler a\" or \"DPM++ 2M Karras\" also work)");
        };
        if (karras && !KARRAS_CAPABLE.contains(canonical)) {
            throw new IllegalArgumentException("sampler '" + name + "' has no Karras sigma schedule; Karras works with "
                    + String.join(", ", KARRAS_CAPABLE));
        }
        return switch (canonical) {
            case "ddim" -> new Sampler(canonical, "DDIMScheduler", false, "DDIM");
            case "pndm" -> new Sampler(canonical, "PNDMScheduler", false, "PLMS");
            case "lms" -> new Sampler(canonical, "LMSDiscreteScheduler", karras, karras ? "LMS Karras" : "LMS");
            case "euler" -> new Sampler(canonical, "EulerDiscreteScheduler", karras, karras ? "Euler Karras" : "Euler");
            case "euler_a" -> new Sampler(canonical, "EulerAncestralDiscreteScheduler", false, "Euler a");
            case "heun" -> new Sampler(canonical, "HeunDiscreteScheduler", karras, karras ? "Heun Karras" : "Heun");
            case "dpm++2m" -> new Sampler(canonical, "DPMSolverMultistepScheduler", karras,
                    karras ? "DPM++ 2M Karras" : "DPM++ 2M");
            default -> new Sampler(canonical, "DDPMScheduler", false, "DDPM");
        };
    }

    /**
     * The scheduler {@code config} names ({@link SchedulerConfig#className()}), e.g. the model's default scheduler
     * from its {@code scheduler_config.json}.
     */
    public static Scheduler fromConfig(SchedulerConfig config) {
        return switch (config.className()) {
            case "DDIMScheduler" -> new DDIMScheduler(config);
            case "PNDMScheduler" -> new PNDMScheduler(config);
            case "LMSDiscreteScheduler" -> new LMSDiscreteScheduler(config);
            case "EulerDiscreteScheduler" -> new EulerDiscreteScheduler(config);
            case "EulerAncestralDiscreteScheduler" -> new EulerAncestralDiscreteScheduler(config);
            case "HeunDiscreteScheduler" -> new HeunDiscreteScheduler(config);
            case "DPMSolverMultistepScheduler" -> new DPMSolverMultistepScheduler(config);
            case "DDPMScheduler" -> new DDPMScheduler(config);
            default -> throw new IllegalArgumentException("unsupported scheduler class " + config.className());
        };
    }

    /** {@code parse(name).create(modelConfig)}. */
    public static Scheduler create(String name, SchedulerConfig modelConfig) {
        return parse(name).create(modelConfig);
    }

    /** {@code parse(name, sigmaSchedule).create(modelConfig)}. */
    public static Scheduler create(String name, String sigmaSchedule, SchedulerConfig modelConfig) {
        return parse(name, sigmaSchedule).create(modelConfig);
    }
}
