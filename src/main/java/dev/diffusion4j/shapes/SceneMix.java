package dev.diffusion4j.shapes;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * How {@link ShapesWorld} divides its samples among scene types and captions. The three weights are relative (they
 * need not sum to one); {@code positioned} is the chance that a single-object scene is placed inside a named region
 * (so its captions can mention where it is) rather than anywhere; {@code located} is the chance that a single shape
 * which is in a region gets a caption naming it — a way to teach positions faster — or {@link #UNIFORM}: every true
 * caption equally likely (about half name the region, two thirds in a corner).
 *
 * @param single weight of scenes with one shape
 * @param counting weight of scenes with two or three shapes of one colour and kind
 * @param pair weight of scenes with two different shapes in a spatial relation
 * @param positioned chance in [0, 1] that a single shape is placed in a region
 * @param located chance in [0, 1] that a single shape in a region is captioned with it, or {@link #UNIFORM}
 */
public record SceneMix(double single, double counting, double pair, double positioned, double located) {

    /** {@code located} value: draw among all true captions uniformly. */
    public static final double UNIFORM = -1;

    /** 40% single, 25% counting, 35% pairs; 60% of single shapes placed in a region; any true caption. */
    public static final SceneMix DEFAULT = new SceneMix(0.40, 0.25, 0.35, 0.6, UNIFORM);

    public SceneMix {
        if (!(single >= 0 && counting >= 0 && pair >= 0) || !(single + counting + pair > 0)) {
            throw new IllegalArgumentException("scene weights must be non-negative with a positive sum, got single="
                    + single + " counting=" + counting + " pair=" + pair);
        }
        if (!(positioned >= 0 && positioned <= 1)) {
            throw new IllegalArgumentException("positioned must be in [0, 1], got " + positioned);
        }
        if (!(located >= 0 && located <= 1 || located == UNIFORM)) {
            throw new IllegalArgumentException("located must be in [0, 1] or -1 (uniform), got " + located);
        }
    }

    /** A mix whose captions are drawn uniformly among the true ones. */
    public SceneMix(double single, double counting, double pair, double positioned) {
        this(single, counting, pair, positioned, UNIFORM);
    }

    /**
     * Reads {@code "single=0.3,counting=0.35,pair=0.35,positioned=1,located=0.9"}: any of the five names,
     * each at most once; names left out keep their {@link #DEFAULT} value.
     */
    public static SceneMix parse(String spec) {
        Map<String, Double> values = new LinkedHashMap<>();
        values.put("single", DEFAULT.single);
        values.put("counting", DEFAULT.counting);
        values.put("pair", DEFAULT.pair);
        values.put("positioned", DEFAULT.positioned);
        values.put("located", DEFAULT.located);
        Map<String, Double> given = new LinkedHashMap<>();
        for (String part : spec.split(",", -1)) {
            String[] kv = part.split("=", -1);
            String name = kv[0].trim().toLowerCase(Locale.ROOT);
            if (kv.length != 2 || !values.containsKey(name)) {
                throw new IllegalArgumentException("scene mix '" + spec + "': expected NAME=VALUE pairs separated by"
                        + " commas, NAME one of " + String.join(", ", values.keySet()) + "; got '" + part + "'");
            }
            double value;
            try {
                value = Double.parseDouble(kv[1].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("scene mix '" + spec + "': " + name + " is not a number: '"
                        + kv[1].trim() + "'");
            }
            if (given.put(name, value) != null) {
                throw new IllegalArgumentException("scene mix '" + spec + "': " + name + " is given twice");
            }
        }
        values.putAll(given);
        return new SceneMix(values.get("single"), values.get("counting"), values.get("pair"), values.get("positioned"),
                values.get("located"));
    }

    /** The {@link #parse} form, e.g. {@code single=0.4,counting=0.25,pair=0.35,positioned=0.6,located=-1.0}. */
    @Override
    public String toString() {
        return "single=" + single + ",counting=" + counting + ",pair=" + pair + ",positioned=" + positioned
                + ",located=" + located;
    }
}
