package dev.diffusion4j.eval;

import dev.diffusion4j.shapes.Colour;
import dev.diffusion4j.shapes.ShapeKind;
import dev.diffusion4j.shapes.ShapeSize;
import java.util.Locale;

/**
 * One object found in an image: a connected region of one palette colour.
 *
 * @param colour the palette colour of its pixels
 * @param kind the shape its descriptors point to
 * @param x centre of its bounding box, as a fraction of the image width
 * @param y centre of its bounding box, as a fraction of the image height
 * @param radius half the larger side of its bounding box (edge pixels counted by coverage), as a fraction of the
 *     image side
 * @param area its pixel count
 * @param fillRatio area over bounding-box area: about 1 for a square, π/4 for a circle, 1/2 for a triangle
 * @param skewness vertical skewness of its pixels (y down): about −0.57 for an apex-up triangle, 0 otherwise
 * @param box its bounding box in pixels
 */
public record DetectedObject(Colour colour, ShapeKind kind, double x, double y, double radius, int area,
        double fillRatio, double skewness, PixelBox box) {

    /** The size word this object reads as. */
    public ShapeSize size() {
        return ShapeSize.classify(radius);
    }

    /** Whether this object answers the phrase's colour, kind and (when given) size. */
    public boolean matches(ObjectSpec spec) {
        return colour == spec.colour() && kind == spec.kind() && (spec.size() == null || size() == spec.size());
    }

    /** "large red circle at (0.31, 0.52)". */
    public String describe() {
        return String.format(Locale.ROOT, "%s %s %s at (%.2f, %.2f)", size().word(), colour.word(), kind.word(), x, y);
    }
}
