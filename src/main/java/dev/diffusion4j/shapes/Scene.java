package dev.diffusion4j.shapes;

import java.util.List;

/** The shapes of one image, drawn in list order on a black background. */
public record Scene(List<PlacedShape> shapes) {

    public Scene {
        if (shapes == null || shapes.isEmpty()) {
            throw new IllegalArgumentException("a scene needs at least one shape, got " + shapes);
        }
        shapes = List.copyOf(shapes);
    }
}
