package dev.diffusion4j.eval;

import dev.diffusion4j.shapes.PlacedShape;
import dev.diffusion4j.shapes.Relation;
import dev.diffusion4j.shapes.Scene;
import dev.diffusion4j.shapes.ShapeSize;
import java.util.ArrayList;
import java.util.List;

/** Builds a canonical scene that satisfies a prompt: the "perfect model" answer to it. */
final class SpecScenes {

    private SpecScenes() {}

    static Scene satisfying(PromptSpec spec) {
        List<ObjectSpec> objects = spec.objects();
        return switch (spec.category()) {
            case SINGLE -> new Scene(List.of(shape(objects.get(0), 0.5, 0.5)));
            case COUNTING -> {
                double[][] spots = {{0.27, 0.27}, {0.73, 0.27}, {0.5, 0.73}};
                List<PlacedShape> shapes = new ArrayList<>();
                for (int i = 0; i < objects.get(0).count(); i++) {
                    shapes.add(shape(objects.get(0), spots[i][0], spots[i][1]));
                }
                yield new Scene(shapes);
            }
            case POSITION -> {
                double[] at = switch (spec.region()) {
                    case LEFT -> new double[] {0.22, 0.5};
                    case RIGHT -> new double[] {0.78, 0.5};
                    case TOP -> new double[] {0.5, 0.22};
                    case BOTTOM -> new double[] {0.5, 0.78};
                    case CENTER -> new double[] {0.5, 0.5};
                };
                yield new Scene(List.of(shape(objects.get(0), at[0], at[1])));
            }
            case TWO_OBJECTS, RELATION -> {
                Relation relation = spec.relation() == null ? Relation.LEFT_OF : spec.relation();
                double[] a = switch (relation) {
                    case LEFT_OF -> new double[] {0.25, 0.5};
                    case RIGHT_OF -> new double[] {0.75, 0.5};
                    case ABOVE -> new double[] {0.5, 0.25};
                    case BELOW -> new double[] {0.5, 0.75};
                };
                yield new Scene(List.of(shape(objects.get(0), a[0], a[1]),
                        shape(objects.get(1), 1 - a[0], 1 - a[1])));
            }
        };
    }

    /** A shape of the phrase's look; its radius is the middle of the asked size's range, or 0.14 for none. */
    private static PlacedShape shape(ObjectSpec object, double x, double y) {
        ShapeSize size = object.size();
        double r = size == null ? 0.14 : (size.minRadius() + size.maxRadius()) / 2;
        return new PlacedShape(object.kind(), object.colour(), x, y, r);
    }

}
