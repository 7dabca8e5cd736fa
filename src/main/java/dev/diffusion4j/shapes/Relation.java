package dev.diffusion4j.shapes;

/**
 * A spatial relation "A relation B" between two shapes' centres, in image coordinates (y down). It holds when A's
 * centre is beyond B's along the relation's axis by more than a separation (a fraction of the image side); the other
 * axis is not constrained.
 */
public enum Relation {
    LEFT_OF("to the left of"),
    RIGHT_OF("to the right of"),
    ABOVE("above"),
    BELOW("below");

    private final String phrase;

    Relation(String phrase) {
        this.phrase = phrase;
    }

    /** The caption phrase, e.g. {@code "to the left of"}. */
    public String phrase() {
        return phrase;
    }

    /** The relation that holds with the operands swapped: "A left of B" is "B right of A". */
    public Relation inverse() {
        return switch (this) {
            case LEFT_OF -> RIGHT_OF;
            case RIGHT_OF -> LEFT_OF;
            case ABOVE -> BELOW;
            case BELOW -> ABOVE;
        };
    }

    /** Whether centre A {@code (ax, ay)} stands in this relation to centre B by more than {@code separation}. */
    public boolean holds(double ax, double ay, double bx, double by, double separation) {
        return switch (this) {
            case LEFT_OF -> bx - ax > separation;
            case RIGHT_OF -> ax - bx > separation;
            case ABOVE -> by - ay > separation;
            case BELOW -> ay - by > separation;
        };
    }
}
