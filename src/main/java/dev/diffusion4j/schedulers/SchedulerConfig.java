package dev.diffusion4j.schedulers;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A diffusers {@code scheduler_config.json}: the scheduler class and the keys given explicitly, with the class's own
 * diffusers 0.25 constructor defaults for every absent key.
 *
 * <p>{@code values} holds only explicit keys (including keys the class does not use: diffusers carries them along as
 * hidden config entries), so {@link #fromConfig} has diffusers' {@code Cls.from_config(config, **overrides)}
 * semantics: explicit keys survive, keys that fell back to the source class's defaults are not carried over
 * (diffusers' {@code _use_default_values}), the target class's defaults fill the rest, unknown keys are ignored.
 * Example: SD 1.5's PNDM config has no {@code timestep_spacing}, so DDIM built from it gets "leading" and Euler gets
 * "linspace". Values are plain Java: {@code String}, {@code Boolean}, {@code Double}, {@code List<Double>} or null.
 *
 * @param className diffusers class name, e.g. {@code "EulerDiscreteScheduler"} (one the registry, {@link Samplers}, knows)
 * @param values the explicitly given keys (unmodifiable, may hold null values)
 */
public record SchedulerConfig(String className, Map<String, Object> values) {

    public SchedulerConfig {
        Samplers.spec(className); // fails naming the known classes
        Map<String, Object> copy = new LinkedHashMap<>();
        values.forEach((k, v) -> {
            if (!k.startsWith("_")) {
                copy.put(k, normalise(k, v));
            }
        });
        values = Collections.unmodifiableMap(copy);
        validate(className, values);
    }

    /** The largest num_train_timesteps accepted (diffusers' models use 1000): the tables are allocated from it. */
    static final int MAX_TRAIN_TIMESTEPS = 100_000;

    /** Ranges of the keys the noise schedule is built from, checked once so that no table is built from nonsense. */
    private static void validate(String className, Map<String, Object> values) {
        Map<String, Object> all = new LinkedHashMap<>(Samplers.spec(className).defaults());
        all.putAll(values);
        Object tv = all.get("num_train_timesteps");
        if (!(tv instanceof Double td) || td != Math.rint(td) || td < 1 || td > MAX_TRAIN_TIMESTEPS) {
            throw new IllegalArgumentException("num_train_timesteps must be an integer in [1, " + MAX_TRAIN_TIMESTEPS
                    + "], got " + tv);
        }
        int t = (int) (double) td;
        Object b0 = all.get("beta_start");
        Object b1 = all.get("beta_end");
        if (!(b0 instanceof Double s0 && b1 instanceof Double s1 && s0 > 0 && s0 < 1 && s1 > 0 && s1 < 1
                && s0 <= s1)) {
            throw new IllegalArgumentException("beta_start and beta_end must be numbers in (0, 1) with beta_start <= "
                    + "beta_end, got " + b0 + " and " + b1);
        }
        Object offset = all.get("steps_offset");
        if (offset != null && !(offset instanceof Double o && o == Math.rint(o) && o >= 0 && o < t)) {
            throw new IllegalArgumentException("steps_offset must be an integer in [0, num_train_timesteps), got "
                    + offset);
        }
        Object trained = all.get("trained_betas");
        if (trained != null) {
            if (!(trained instanceof List<?> list) || list.size() != t) {
                throw new IllegalArgumentException("trained_betas must be a list of num_train_timesteps (" + t
                        + ") numbers");
            }
            for (Object beta : list) {
                if (!(beta instanceof Double d) || !(d > 0 && d < 1)) {
                    throw new IllegalArgumentException("trained_betas must hold numbers in (0, 1), got " + beta);
                }
            }
        }
    }

    /** The config of {@code className} with the given explicit keys (other keys: that class's defaults). */
    public static SchedulerConfig of(String className, Map<String, ?> values) {
        return new SchedulerConfig(className, new LinkedHashMap<>(values));
    }

    /** Reads a diffusers {@code scheduler_config.json}; its {@code _class_name} names the class. */
    public static SchedulerConfig load(Path file) throws IOException {
        return parse(Files.readString(file), file.toString());
    }

    /**
     * Parses the text of a {@code scheduler_config.json}.
     *
     * @param source where the text came from, for error messages
     */
    public static SchedulerConfig parse(String json, String source) {
        JsonObject o;
        try {
            o = JsonParser.parseString(json).getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
            throw new IllegalArgumentException(source + ": not a JSON object: " + e.getMessage(), e);
        }
        JsonElement cls = o.get("_class_name");
        if (cls == null || !cls.isJsonPrimitive() || !cls.getAsJsonPrimitive().isString()) {
            throw new IllegalArgumentException(source + ": _class_name must be a scheduler class name string, got "
                    + cls);
        }
        Map<String, Object> values = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : o.entrySet()) {
            values.put(e.getKey(), fromJson(e.getValue()));
        }
        try {
            return new SchedulerConfig(cls.getAsString(), values);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
        }
    }

    /**
     * diffusers' {@code TargetClass.from_config(this, **overrides)}: explicit keys are kept, the target class's
     * defaults fill absent keys, {@code overrides} replace or add keys.
     */
    public SchedulerConfig fromConfig(String targetClassName, Map<String, ?> overrides) {
        Map<String, Object> merged = new LinkedHashMap<>(values);
        merged.putAll(overrides);
        return new SchedulerConfig(targetClassName, merged);
    }

    /** This config with one key set explicitly. */
    public SchedulerConfig with(String key, Object value) {
        return fromConfig(className, Collections.singletonMap(key, value));
    }

    /** Whether {@code key} has a value for this class: given explicitly or one of the class's constructor keys. */
    public boolean has(String key) {
        return values.containsKey(key) || defaults().containsKey(key);
    }

    /** The value of {@code key}: the explicit one, else the class default. */
    public Object get(String key) {
        if (values.containsKey(key)) {
            return values.get(key);
        }
        Map<String, Object> d = defaults();
        if (!d.containsKey(key)) {
            throw new IllegalArgumentException(className + " has no config key '" + key + "'");
        }
        return d.get(key);
    }

    /** The full effective config as diffusers' {@code scheduler.config} shows it: class defaults plus explicit keys. */
    public Map<String, Object> effective() {
        Map<String, Object> all = new LinkedHashMap<>(defaults());
        all.putAll(values);
        return Collections.unmodifiableMap(all);
    }

    public int numTrainTimesteps() {
        return integer("num_train_timesteps");
    }

    public double betaStart() {
        return number("beta_start");
    }

    public double betaEnd() {
        return number("beta_end");
    }

    public String betaSchedule() {
        return string("beta_schedule");
    }

    /** Explicit betas replacing the beta schedule, or null. */
    public float[] trainedBetas() {
        Object v = get("trained_betas");
        if (v == null) {
            return null;
        }
        List<?> list = (List<?>) v;
        float[] out = new float[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((Number) list.get(i)).floatValue();
        }
        return out;
    }

    public String predictionType() {
        return string("prediction_type");
    }

    public String timestepSpacing() {
        return string("timestep_spacing");
    }

    public int stepsOffset() {
        return integer("steps_offset");
    }

    public boolean clipSample() {
        return bool("clip_sample");
    }

    public double clipSampleRange() {
        return number("clip_sample_range");
    }

    public boolean setAlphaToOne() {
        return bool("set_alpha_to_one");
    }

    public boolean thresholding() {
        return bool("thresholding");
    }

    /** False for the classes without this key (given explicitly, any class honours it, as later diffusers). */
    public boolean rescaleBetasZeroSnr() {
        return has("rescale_betas_zero_snr") && bool("rescale_betas_zero_snr");
    }

    public boolean skipPrkSteps() {
        return bool("skip_prk_steps");
    }

    public boolean useKarrasSigmas() {
        return bool("use_karras_sigmas");
    }

    public String interpolationType() {
        return string("interpolation_type");
    }

    public String timestepType() {
        return string("timestep_type");
    }

    /** {@code sigma_min}, or null when absent (diffusers' {@code hasattr(config, "sigma_min")} check included). */
    public Double sigmaMin() {
        return optionalNumber("sigma_min");
    }

    /** {@code sigma_max}, or null when absent. */
    public Double sigmaMax() {
        return optionalNumber("sigma_max");
    }

    public String varianceType() {
        return (String) get("variance_type");
    }

    public int solverOrder() {
        return integer("solver_order");
    }

    public String algorithmType() {
        return string("algorithm_type");
    }

    public String solverType() {
        return string("solver_type");
    }

    public boolean lowerOrderFinal() {
        return bool("lower_order_final");
    }

    public boolean eulerAtFinal() {
        return bool("euler_at_final");
    }

    public boolean useLuLambdas() {
        return bool("use_lu_lambdas");
    }

    public double lambdaMinClipped() {
        return number("lambda_min_clipped");
    }

    private Double optionalNumber(String key) {
        Object v = has(key) ? get(key) : null;
        return v == null ? null : ((Number) v).doubleValue();
    }

    private String string(String key) {
        Object v = get(key);
        if (!(v instanceof String s)) {
            throw new IllegalArgumentException(className + " config key '" + key + "' must be a string, got " + v);
        }
        return s;
    }

    private boolean bool(String key) {
        Object v = get(key);
        if (!(v instanceof Boolean b)) {
            throw new IllegalArgumentException(className + " config key '" + key + "' must be true/false, got " + v);
        }
        return b;
    }

    private double number(String key) {
        Object v = get(key);
        if (!(v instanceof Number n)) {
            throw new IllegalArgumentException(className + " config key '" + key + "' must be a number, got " + v);
        }
        return n.doubleValue();
    }

    private int integer(String key) {
        double d = number(key);
        if (d != Math.rint(d) || Math.abs(d) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(className + " config key '" + key + "' must be an integer, got " + d);
        }
        return (int) d;
    }

    /** Numbers become Double, lists of numbers List&lt;Double&gt;, so configs compare by value. */
    private static Object normalise(String key, Object v) {
        if (v == null || v instanceof String || v instanceof Boolean) {
            return v;
        }
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        if (v instanceof float[] f) {
            List<Double> out = new ArrayList<>(f.length);
            for (float x : f) {
                out.add((double) x);
            }
            return Collections.unmodifiableList(out);
        }
        if (v instanceof List<?> list) {
            List<Object> out = new ArrayList<>(list.size());
            for (Object x : list) {
                out.add(normalise(key, x));
            }
            return Collections.unmodifiableList(out);
        }
        throw new IllegalArgumentException("config key '" + key + "': unsupported value type " + v.getClass());
    }

    private static Object fromJson(JsonElement e) {
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (e.isJsonArray()) {
            List<Object> out = new ArrayList<>();
            e.getAsJsonArray().forEach(x -> out.add(fromJson(x)));
            return out;
        }
        if (e.isJsonObject()) {
            return e.toString();
        }
        JsonPrimitive p = e.getAsJsonPrimitive();
        if (p.isBoolean()) {
            return p.getAsBoolean();
        }
        if (p.isNumber()) {
            return p.getAsDouble();
        }
        String s = p.getAsString();
        // Python's json writes float('inf') as a bare Infinity, which gson reads as a string
        return switch (s) {
            case "Infinity" -> Double.POSITIVE_INFINITY;
            case "-Infinity" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> s;
        };
    }

    /** The class's diffusers 0.25.1 constructor defaults (its registry entry). */
    private Map<String, Object> defaults() {
        return Samplers.spec(className).defaults();
    }

    /** The training noise schedule ᾱ_t (float32, num_train_timesteps entries) this config defines. */
    public float[] alphasCumprod() {
        return NoiseSchedule.alphasCumprod(NoiseSchedule.betas(this));
    }
}
