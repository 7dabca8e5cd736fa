package dev.diffusion4j.schedulers;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Everything the registry ({@link Samplers}) knows of one scheduler class, declared once beside the class as its
 * {@code SPEC} constant: the diffusers class name, the diffusers 0.25 constructor defaults (in signature order), how
 * to build one from a config, and the user-facing samplers it offers (one class can offer several, e.g. DPM++ 2M and
 * DPM++ 2M SDE are both DPMSolverMultistepScheduler with another {@code algorithm_type}).
 *
 * <p>Which spacings a class supports follows from its constructor keys, as in diffusers: Karras sigmas where it has
 * {@code use_karras_sigmas}, a timestep spacing where it has {@code timestep_spacing} — unless the class declares
 * that it ignores the key (LCMScheduler carries {@code timestep_spacing} in 0.25.1 but never reads it).
 *
 * @param className diffusers class name, e.g. {@code "EulerDiscreteScheduler"}
 * @param defaults constructor defaults; numbers are Double, as {@link SchedulerConfig} normalises them
 * @param factory builds the scheduler from a config of this class
 * @param samplers the names users pick it by, in the order lists show them
 * @param honoursTimestepSpacing whether {@code timestep_spacing} changes the schedule
 */
public record SchedulerSpec(String className, Map<String, Object> defaults, Function<SchedulerConfig, Scheduler> factory,
                            List<SamplerSpec> samplers, boolean honoursTimestepSpacing) {

    /** A class that honours {@code timestep_spacing} exactly when it has the key. */
    public SchedulerSpec(String className, Map<String, Object> defaults, Function<SchedulerConfig, Scheduler> factory,
                         List<SamplerSpec> samplers) {
        this(className, defaults, factory, samplers, defaults.containsKey("timestep_spacing"));
    }

    public SchedulerSpec {
        defaults = Collections.unmodifiableMap(new LinkedHashMap<>(defaults));
        samplers = List.copyOf(samplers);
    }

    /** Whether {@code use_karras_sigmas} is one of the class's keys. */
    public boolean supportsKarras() {
        return defaults.containsKey("use_karras_sigmas");
    }

    /** Whether {@code --timestep-spacing} means anything for this class. */
    public boolean supportsTimestepSpacing() {
        return honoursTimestepSpacing;
    }

    /**
     * A defaults table: the training-schedule keys every diffusers scheduler starts with ({@code num_train_timesteps}
     * 1000, the given betas, {@code beta_schedule} "linear", no {@code trained_betas}), then {@code keyValues} pairs.
     */
    static Map<String, Object> defaults(double betaStart, double betaEnd, Object... keyValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("num_train_timesteps", 1000.0);
        m.put("beta_start", betaStart);
        m.put("beta_end", betaEnd);
        m.put("beta_schedule", "linear");
        m.put("trained_betas", null);
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put((String) keyValues[i], keyValues[i + 1]);
        }
        return m;
    }
}
