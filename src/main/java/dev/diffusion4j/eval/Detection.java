package dev.diffusion4j.eval;

import dev.diffusion4j.shapes.PlacedShape;
import dev.diffusion4j.shapes.Scene;
import dev.diffusion4j.shapes.ShapeKind;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What the analysis found in one image, objects in the order their top-left pixel is met in a row-major scan.
 *
 * @param width image width in pixels
 * @param height image height in pixels
 * @param objects the objects found, each covering at least 0.4% of the image
 */
public record Detection(int width, int height, List<DetectedObject> objects) {

    public Detection {
        objects = List.copyOf(objects);
    }

    /** "red circle at (0.31, 0.52), small blue square at (...)", or "nothing". */
    public String summary() {
        return objects.isEmpty() ? "nothing"
                : objects.stream().map(DetectedObject::describe).collect(Collectors.joining(", "));
    }

    /** The scene's exact geometry as if detected perfectly: the ground truth the judge's rules can be checked on. */
    static Detection ofScene(Scene scene, int side) {
        List<DetectedObject> objects = new ArrayList<>();
        for (PlacedShape s : scene.shapes()) {
            double fill = switch (s.kind()) {
                case CIRCLE -> Math.PI / 4;
                case SQUARE -> 1;
                case TRIANGLE -> 0.5;
            };
            double r = s.radius() * side;
            int x0 = (int) Math.floor(s.x() * side - r);
            int y0 = (int) Math.floor(s.y() * side - r);
            int extent = Math.max(1, (int) Math.round(2 * r));
            double skewness = s.kind() == ShapeKind.TRIANGLE ? -2 * Math.sqrt(2) / 5 : 0;
            objects.add(new DetectedObject(s.colour(), s.kind(), s.x(), s.y(), s.radius(),
                    (int) Math.round(fill * 4 * r * r), fill, skewness, new PixelBox(x0, y0, extent, extent)));
        }
        return new Detection(side, side, objects);
    }
}
