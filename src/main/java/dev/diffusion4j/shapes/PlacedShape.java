package dev.diffusion4j.shapes;

/**
 * One shape of a scene. Coordinates are fractions of the image side (x right, y down); {@code radius} is half the side
 * of the shape's axis-aligned bounding square, so the shape covers {@code [x − radius, x + radius]} on both axes.
 */
public record PlacedShape(ShapeKind kind, Colour colour, double x, double y, double radius) {

    public PlacedShape {
        if (kind == null || colour == null) {
            throw new IllegalArgumentException("kind and colour must not be null, got " + kind + ", " + colour);
        }
        if (!(radius > 0 && radius <= 0.5)) {
            throw new IllegalArgumentException("radius must be in (0, 0.5], got " + radius);
        }
        if (!(x - radius >= 0 && x + radius <= 1 && y - radius >= 0 && y + radius <= 1)) {
            throw new IllegalArgumentException(
                    "shape must lie inside the image, got centre (" + x + ", " + y + ") radius " + radius);
        }
    }

    /** The size word true of this shape, or {@code null} when its radius is in neither size's range. */
    public ShapeSize size() {
        return ShapeSize.ofRadius(radius);
    }

    /** Whether this shape has the other's colour and kind (so a caption cannot tell them apart). */
    public boolean sameLook(PlacedShape other) {
        return kind == other.kind && colour == other.colour;
    }

    /** Gap between the two bounding squares: the larger of the x and y gaps; negative when they overlap. */
    public double gapTo(PlacedShape other) {
        double reach = radius + other.radius;
        return Math.max(Math.abs(x - other.x) - reach, Math.abs(y - other.y) - reach);
    }
}
