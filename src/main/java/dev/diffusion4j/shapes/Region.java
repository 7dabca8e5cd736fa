package dev.diffusion4j.shapes;

import java.util.List;

/**
 * Where in the image a shape is, judged by its centre (the centre of its bounding box) in coordinates that are
 * fractions of the image side, x to the right and y down. The image is cut at {@link #LOW} and {@link #HIGH} on each
 * axis: LEFT is {@code x < 0.4}, RIGHT {@code x > 0.6}, TOP {@code y < 0.4}, BOTTOM {@code y > 0.6}, CENTER both
 * coordinates in {@code [0.4, 0.6]}. LEFT/RIGHT and TOP/BOTTOM may hold together (a corner); CENTER excludes the rest.
 */
public enum Region {
    LEFT("on the left"),
    RIGHT("on the right"),
    TOP("at the top"),
    BOTTOM("at the bottom"),
    CENTER("in the center");

    /** Lower cut on each axis. */
    public static final double LOW = 0.4;
    /** Upper cut on each axis. */
    public static final double HIGH = 0.6;

    private final String phrase;

    Region(String phrase) {
        this.phrase = phrase;
    }

    /** The caption phrase, e.g. {@code "on the left"}. */
    public String phrase() {
        return phrase;
    }

    /**
     * Whether a centre lies in this region with {@code margin} to spare: a positive margin shrinks the region (a
     * stricter test, used for captions), a negative one grows it (a lenient one).
     */
    public boolean contains(double x, double y, double margin) {
        return switch (this) {
            case LEFT -> x < LOW - margin;
            case RIGHT -> x > HIGH + margin;
            case TOP -> y < LOW - margin;
            case BOTTOM -> y > HIGH + margin;
            case CENTER -> Math.abs(x - 0.5) < (HIGH - LOW) / 2 - margin
                    && Math.abs(y - 0.5) < (HIGH - LOW) / 2 - margin;
        };
    }

    /** The region with the opposite meaning: LEFT↔RIGHT, TOP↔BOTTOM; CENTER's opposites are the four edges. */
    public List<Region> opposites() {
        return switch (this) {
            case LEFT -> List.of(RIGHT);
            case RIGHT -> List.of(LEFT);
            case TOP -> List.of(BOTTOM);
            case BOTTOM -> List.of(TOP);
            case CENTER -> List.of(LEFT, RIGHT, TOP, BOTTOM);
        };
    }
}
