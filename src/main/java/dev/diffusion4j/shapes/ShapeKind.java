package dev.diffusion4j.shapes;

import java.util.Locale;

/**
 * The three shape kinds. All are drawn inside an axis-aligned bounding square of half-side {@code radius} around the
 * shape's centre, so their fill ratios (area over bounding-box area) are far apart — square 1, circle π/4, upright
 * triangle 1/2 — which is what the evaluator's shape test relies on.
 */
public enum ShapeKind {
    /** A disc of the given radius. */
    CIRCLE,
    /** An axis-aligned square of side {@code 2·radius}. */
    SQUARE,
    /** An isosceles triangle, apex up, base {@code 2·radius} and height {@code 2·radius}. */
    TRIANGLE;

    /** The singular caption word, e.g. {@code "circle"}. */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The plural caption word, e.g. {@code "circles"}. */
    public String plural() {
        return word() + "s";
    }

    /** The kind named by a singular or plural caption word, or {@code null} when the word names no kind. */
    public static ShapeKind fromWord(String word) {
        for (ShapeKind k : values()) {
            if (k.word().equals(word) || k.plural().equals(word)) {
                return k;
            }
        }
        return null;
    }
}
