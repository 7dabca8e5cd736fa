package dev.diffusion4j.eval;

import dev.diffusion4j.shapes.Colour;
import dev.diffusion4j.shapes.ShapeKind;
import dev.diffusion4j.shapes.ShapeSize;

/**
 * One object phrase of a prompt: "a red circle" (at least one), "one large red circle" (exactly one), "two green
 * squares" (exactly two).
 *
 * @param colour the colour asked for
 * @param kind the shape asked for
 * @param size the size asked for, or {@code null} when the prompt names none
 * @param count how many; with {@code exact} false it is 1 and means "at least one"
 * @param exact whether the count is exact (a numeral: "one", "two", "three") or a lower bound (an article)
 */
public record ObjectSpec(Colour colour, ShapeKind kind, ShapeSize size, int count, boolean exact) {

    public ObjectSpec {
        if (colour == null || kind == null) {
            throw new IllegalArgumentException("colour and kind must not be null, got " + colour + ", " + kind);
        }
        if (count < 1 || (!exact && count != 1)) {
            throw new IllegalArgumentException("count must be 1 unless exact, and at least 1, got " + count
                    + (exact ? " (exact)" : " (at least)"));
        }
    }

    /** "at least one" of a colour and kind, any size. */
    public static ObjectSpec some(Colour colour, ShapeKind kind) {
        return new ObjectSpec(colour, kind, null, 1, false);
    }

    /** The words after the determiner: "[size] colour kind(s)". */
    String words() {
        return (size == null ? "" : size.word() + " ") + colour.word() + " "
                + (count > 1 ? kind.plural() : kind.word());
    }

    /** The phrase in the caption grammar: "a red circle", "one red circle", "two red circles". */
    String phrase() {
        String words = words();
        if (!exact) {
            return ("aeiou".indexOf(words.charAt(0)) >= 0 ? "an " : "a ") + words;
        }
        return CaptionParser.numeral(count) + " " + words;
    }
}
