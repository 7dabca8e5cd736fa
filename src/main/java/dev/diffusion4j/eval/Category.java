package dev.diffusion4j.eval;

import java.util.Locale;

/** The kinds of prompt the evaluator scores separately, after GenEval's task categories. */
public enum Category {
    /** One object of a colour and kind: "a red circle". */
    SINGLE,
    /** An exact number (two or three) of one colour and kind: "two blue triangles". */
    COUNTING,
    /** One object in a region of the image: "a red square on the left". */
    POSITION,
    /** Two objects, each with its colour: "a red circle and a blue square". */
    TWO_OBJECTS,
    /** Two objects in a spatial relation: "a green triangle above a yellow circle". */
    RELATION;

    /** The report tag, e.g. {@code "two_objects"}. */
    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }
}
