package dev.diffusion4j.shapes;

import java.util.Locale;

/**
 * The two size words, each a range of radii (half the bounding-square side) as fractions of the image side. The
 * ranges leave a gap (0.11 to 0.16) so that a size word stays true after blur or a model's imprecision; the evaluator
 * splits at {@link #THRESHOLD}, a little below the middle of the gap because a measured triangle reads up to 10%
 * smaller than drawn (its apex and blurred base are thin).
 */
public enum ShapeSize {
    SMALL(0.08, 0.11),
    LARGE(0.16, 0.20);

    /** Radius fraction that separates small from large when judging an image. */
    public static final double THRESHOLD = 0.13;

    private final double minRadius;
    private final double maxRadius;

    ShapeSize(double minRadius, double maxRadius) {
        this.minRadius = minRadius;
        this.maxRadius = maxRadius;
    }

    /** Smallest radius of this size, as a fraction of the image side. */
    public double minRadius() {
        return minRadius;
    }

    /** Largest radius of this size, as a fraction of the image side. */
    public double maxRadius() {
        return maxRadius;
    }

    /** The caption word, e.g. {@code "small"}. */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The size whose range holds {@code radius}, or {@code null} when it falls in the gap or outside both. */
    public static ShapeSize ofRadius(double radius) {
        for (ShapeSize s : values()) {
            if (radius >= s.minRadius && radius <= s.maxRadius) {
                return s;
            }
        }
        return null;
    }

    /** The size an evaluator reads from a measured radius: one side of {@link #THRESHOLD} or the other. */
    public static ShapeSize classify(double radius) {
        return radius < THRESHOLD ? SMALL : LARGE;
    }

    /** The size named by a caption word, or {@code null} when the word is no size. */
    public static ShapeSize fromWord(String word) {
        for (ShapeSize s : values()) {
            if (s.word().equals(word)) {
                return s;
            }
        }
        return null;
    }
}
