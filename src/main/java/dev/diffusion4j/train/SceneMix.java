package dev.diffusion4j.train;

/**
 * How {@link ShapesWorld} divides its samples among scene types. The three weights are relative (they need not sum
 * to one); {@code positioned} is the chance that a single-object scene is placed inside a named region (so its
 * captions can mention where it is) rather than anywhere.
 *
 * @param single weight of scenes with one shape
 * @param counting weight of scenes with two or three shapes of one colour and kind
 * @param pair weight of scenes with two different shapes in a spatial relation
 * @param positioned chance in [0, 1] that a single shape is placed in a region
 */
public record SceneMix(double single, double counting, double pair, double positioned) {

    /** 40% single, 25% counting, 35% pairs; 60% of single shapes placed in a region. */
    public static final SceneMix DEFAULT = new SceneMix(0.40, 0.25, 0.35, 0.6);

    public SceneMix {
        if (!(single >= 0 && counting >= 0 && pair >= 0) || !(single + counting + pair > 0)) {
            throw new IllegalArgumentException("scene weights must be non-negative with a positive sum, got single="
                    + single + " counting=" + counting + " pair=" + pair);
        }
        if (!(positioned >= 0 && positioned <= 1)) {
            throw new IllegalArgumentException("positioned must be in [0, 1], got " + positioned);
        }
    }
}
