package dev.diffusion4j.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.diffusion4j.shapes.Colour;
import dev.diffusion4j.shapes.Region;
import dev.diffusion4j.shapes.Relation;
import dev.diffusion4j.shapes.Sample;
import dev.diffusion4j.shapes.ShapeKind;
import dev.diffusion4j.shapes.ShapeSize;
import dev.diffusion4j.shapes.ShapesWorld;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PromptSpecTest {

    @Test
    void parsesEachCategory() {
        PromptSpec single = PromptSpec.parse("a red circle");
        assertEquals(Category.SINGLE, single.category());
        assertEquals(List.of(new ObjectSpec(Colour.RED, ShapeKind.CIRCLE, null, 1, false)), single.objects());

        PromptSpec one = PromptSpec.parse("one large orange triangle");
        assertEquals(Category.SINGLE, one.category());
        assertEquals(new ObjectSpec(Colour.ORANGE, ShapeKind.TRIANGLE, ShapeSize.LARGE, 1, true), one.objects().get(0));

        PromptSpec counting = PromptSpec.parse("three small green squares");
        assertEquals(Category.COUNTING, counting.category());
        assertEquals(new ObjectSpec(Colour.GREEN, ShapeKind.SQUARE, ShapeSize.SMALL, 3, true),
                counting.objects().get(0));

        PromptSpec position = PromptSpec.parse("blue square at the bottom");
        assertEquals(Category.POSITION, position.category());
        assertEquals(Region.BOTTOM, position.region());
        assertNull(position.relation());

        PromptSpec two = PromptSpec.parse("a white circle and an orange square");
        assertEquals(Category.TWO_OBJECTS, two.category());
        assertEquals(Colour.ORANGE, two.objects().get(1).colour());

        PromptSpec relation = PromptSpec.parse("a green triangle to the right of a small yellow circle");
        assertEquals(Category.RELATION, relation.category());
        assertEquals(Relation.RIGHT_OF, relation.relation());
        assertEquals(ShapeSize.SMALL, relation.objects().get(1).size());
    }

    @Test
    void isLenientOnlyInFormatting() {
        assertEquals(PromptSpec.parse("a red circle in the center"), PromptSpec.parse("  A Red  Circle in the centre. "));
        assertEquals(PromptSpec.parse("an orange circle"), PromptSpec.parse("a orange circle"));
    }

    @Test
    void roundTripsEveryPhrasingTheWorldWrites() {
        ShapesWorld world = new ShapesWorld(21);
        Set<String> determiners = Set.of("a", "an", "one", "two", "three");
        int checked = 0;
        for (long i = 0; i < 1000; i++) {
            Sample sample = world.sample(i);
            for (String caption : ShapesWorld.captions(sample.scene())) {
                PromptSpec spec = PromptSpec.parse(caption);
                assertEquals(spec, PromptSpec.parse(spec.toCaption()), caption);
                if (determiners.contains(caption.split(" ")[0])) {
                    assertEquals(caption, spec.toCaption());
                }
                checked++;
            }
        }
        assertTrue(checked > 5000, "phrasings checked: " + checked);
    }

    @Test
    void rejectsWhatTheGrammarDoesNotSay() {
        for (String bad : List.of("", "a red", "a pink circle", "two red circle", "a red circles",
                "a red circle on the moon", "two red circles on the left", "a red circle and two blue squares",
                "a red circle to the left of", "a red circle on the left please", "red")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PromptSpec.parse(bad),
                    bad);
            assertTrue(e.getMessage().contains("'" + bad + "'") || e.getMessage().contains(bad), e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PromptSpec.parse("a pink circle"));
        assertTrue(e.getMessage().contains("'pink' (word 2)"), e.getMessage());
    }
}
