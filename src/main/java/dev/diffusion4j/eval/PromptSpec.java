package dev.diffusion4j.eval;

import dev.diffusion4j.shapes.Region;
import dev.diffusion4j.shapes.Relation;
import java.util.List;

/**
 * A shapes-world prompt parsed into what it asks for. {@link #parse(String)} reads every caption that
 * {@link dev.diffusion4j.shapes.ShapesWorld} writes (the grammar is documented there), so any training caption can
 * be judged.
 *
 * @param category what kind of prompt it is
 * @param objects one object phrase, or two for {@link Category#TWO_OBJECTS} and {@link Category#RELATION}
 * @param region where the object must be, only for {@link Category#POSITION} (else {@code null})
 * @param relation how the first object stands to the second, only for {@link Category#RELATION} (else {@code null})
 */
public record PromptSpec(Category category, List<ObjectSpec> objects, Region region, Relation relation) {

    public PromptSpec {
        if (category == null || objects == null) {
            throw new IllegalArgumentException("category and objects must not be null");
        }
        objects = List.copyOf(objects);
        boolean two = category == Category.TWO_OBJECTS || category == Category.RELATION;
        if (objects.size() != (two ? 2 : 1)) {
            throw new IllegalArgumentException(category.tag() + " needs " + (two ? 2 : 1) + " object(s), got "
                    + objects);
        }
        if ((region != null) != (category == Category.POSITION)) {
            throw new IllegalArgumentException("a region goes with position prompts only, got " + category.tag()
                    + " with region " + region);
        }
        if ((relation != null) != (category == Category.RELATION)) {
            throw new IllegalArgumentException("a relation goes with relation prompts only, got " + category.tag()
                    + " with relation " + relation);
        }
        boolean counted = objects.get(0).count() > 1;
        if (counted != (category == Category.COUNTING) || (two && objects.get(1).count() > 1)) {
            throw new IllegalArgumentException("counts above one go with counting prompts only, got "
                    + category.tag() + " with " + objects);
        }
    }

    /** Parses a caption of the shapes-world grammar; fails naming the word that does not fit. */
    public static PromptSpec parse(String prompt) {
        return CaptionParser.parse(prompt);
    }

    /** The canonical caption of this spec ("a" or "an" for at-least-one objects); parsing it gives this spec back. */
    public String toCaption() {
        String first = objects.get(0).phrase();
        return switch (category) {
            case SINGLE, COUNTING -> first;
            case POSITION -> first + " " + region.phrase();
            case TWO_OBJECTS -> first + " and " + objects.get(1).phrase();
            case RELATION -> first + " " + relation.phrase() + " " + objects.get(1).phrase();
        };
    }
}
