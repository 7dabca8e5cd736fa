package dev.diffusion4j.shapes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ShapesWorldTest {

    private static int[] pixels(BufferedImage image) {
        return image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth());
    }

    @Test
    void sameSeedAndIndexGiveTheSameSample() {
        ShapesWorld a = new ShapesWorld(42);
        ShapesWorld b = new ShapesWorld(42);
        for (long i = 0; i < 50; i++) {
            Sample x = a.sample(i);
            Sample y = b.sample(i);
            assertEquals(x.caption(), y.caption(), "caption of index " + i);
            assertEquals(x.scene(), y.scene(), "scene of index " + i);
            assertArrayEquals(pixels(x.image()), pixels(y.image()), "pixels of index " + i);
        }
    }

    @Test
    void accessOrderDoesNotMatter() {
        ShapesWorld world = new ShapesWorld(7);
        Sample direct = world.sample(1_000_003);
        for (long i = 0; i < 20; i++) {
            world.sample(i);
        }
        Sample later = world.sample(1_000_003);
        assertEquals(direct.caption(), later.caption());
        assertArrayEquals(pixels(direct.image()), pixels(later.image()));
    }

    @Test
    void differentIndicesAndSeedsGiveDifferentSamples() {
        ShapesWorld world = new ShapesWorld(42);
        assertFalse(Arrays.equals(pixels(world.sample(0).image()), pixels(world.sample(1).image())));
        assertFalse(Arrays.equals(pixels(world.sample(0).image()), pixels(new ShapesWorld(43).sample(0).image())));
        Set<String> captions = new HashSet<>();
        Set<Scene> scenes = new HashSet<>();
        for (long i = 0; i < 300; i++) {
            Sample s = world.sample(i);
            captions.add(s.caption());
            scenes.add(s.scene());
        }
        assertEquals(300, scenes.size(), "every index draws its own scene");
        assertTrue(captions.size() > 200, "captions vary: " + captions.size() + " distinct of 300");
    }

    @Test
    void scenesKeepTheirGeometricPromises() {
        ShapesWorld world = new ShapesWorld(3);
        for (long i = 0; i < 2000; i++) {
            Sample sample = world.sample(i);
            List<PlacedShape> shapes = sample.scene().shapes();
            assertTrue(ShapesWorld.captions(sample.scene()).contains(sample.caption()), "caption of index " + i);
            for (PlacedShape s : shapes) {
                assertTrue(s.size() != null, "radius in a size range: " + s);
                double border = SceneSampler.BORDER - 1e-9;
                assertTrue(s.x() - s.radius() >= border && s.x() + s.radius() <= 1 - border
                        && s.y() - s.radius() >= border && s.y() + s.radius() <= 1 - border, "inside border: " + s);
                for (PlacedShape t : shapes) {
                    assertTrue(s == t || s.gapTo(t) >= SceneSampler.GAP - 1e-9, "apart: " + s + " " + t);
                }
            }
            boolean alike = shapes.stream().allMatch(shapes.get(0)::sameLook);
            assertTrue(shapes.size() == 1 || (alike && shapes.size() <= 3) || (!alike && shapes.size() == 2),
                    "scene type of index " + i + ": " + shapes);
            if (!alike) {
                PlacedShape a = shapes.get(0);
                PlacedShape b = shapes.get(1);
                long relations = Arrays.stream(Relation.values())
                        .filter(r -> r.holds(a.x(), a.y(), b.x(), b.y(), Captions.RELATION_SEPARATION)).count();
                assertEquals(1, relations, "a pair stands in exactly one relation: " + shapes);
            }
        }
    }

    @Test
    void sceneMixIsRespected() {
        int n = 4000;
        int[] byCount = new int[4];
        int alikePairs = 0;
        ShapesWorld world = new ShapesWorld(11);
        for (long i = 0; i < n; i++) {
            List<PlacedShape> shapes = world.sample(i).scene().shapes();
            byCount[shapes.size()]++;
            if (shapes.size() == 2 && shapes.get(0).sameLook(shapes.get(1))) {
                alikePairs++;
            }
        }
        double single = byCount[1] / (double) n;
        double counting = (byCount[3] + alikePairs) / (double) n;
        double pair = (byCount[2] - alikePairs) / (double) n;
        assertEquals(SceneMix.DEFAULT.single(), single, 0.03, "single share");
        assertEquals(SceneMix.DEFAULT.counting(), counting, 0.03, "counting share");
        assertEquals(SceneMix.DEFAULT.pair(), pair, 0.03, "pair share");

        ShapesWorld pairsOnly = new ShapesWorld(11, new SceneMix(0, 0, 1, 0), 32);
        for (long i = 0; i < 100; i++) {
            Sample s = pairsOnly.sample(i);
            assertEquals(2, s.scene().shapes().size());
            assertEquals(32, s.image().getWidth());
        }
    }

    @Test
    void captionsOfASingleShapeNameWhatIsTrue() {
        Scene scene = new Scene(List.of(new PlacedShape(ShapeKind.CIRCLE, Colour.RED, 0.25, 0.5, 0.18)));
        List<String> captions = ShapesWorld.captions(scene);
        assertTrue(captions.containsAll(List.of("a red circle", "one red circle", "red circle", "a large red circle",
                "a red circle on the left", "one large red circle on the left", "large red circle on the left")),
                captions.toString());
        assertTrue(captions.stream().noneMatch(c -> c.contains("small") || c.contains("right") || c.contains("top")
                || c.contains("bottom") || c.contains("center")), captions.toString());
        Scene orange = new Scene(List.of(new PlacedShape(ShapeKind.TRIANGLE, Colour.ORANGE, 0.5, 0.5, 0.09)));
        assertTrue(ShapesWorld.captions(orange).containsAll(List.of("an orange triangle",
                "a small orange triangle", "an orange triangle in the center")));
    }

    @Test
    void captionsOfPairsAndGroups() {
        PlacedShape red = new PlacedShape(ShapeKind.CIRCLE, Colour.RED, 0.25, 0.5, 0.1);
        PlacedShape blue = new PlacedShape(ShapeKind.SQUARE, Colour.BLUE, 0.75, 0.55, 0.17);
        List<String> pair = ShapesWorld.captions(new Scene(List.of(red, blue)));
        assertEquals(List.of("a red circle and a blue square", "a red circle to the left of a blue square",
                "a blue square and a red circle", "a blue square to the right of a red circle",
                "a small red circle and a large blue square",
                "a small red circle to the left of a large blue square",
                "a large blue square and a small red circle",
                "a large blue square to the right of a small red circle"), pair);
        PlacedShape g1 = new PlacedShape(ShapeKind.SQUARE, Colour.GREEN, 0.2, 0.2, 0.1);
        PlacedShape g2 = new PlacedShape(ShapeKind.SQUARE, Colour.GREEN, 0.8, 0.8, 0.1);
        assertEquals(List.of("two green squares", "two small green squares"),
                ShapesWorld.captions(new Scene(List.of(g1, g2))));
        PlacedShape g3 = new PlacedShape(ShapeKind.SQUARE, Colour.GREEN, 0.8, 0.2, 0.18);
        assertEquals(List.of("three green squares"), ShapesWorld.captions(new Scene(List.of(g1, g2, g3))));
    }

    @Test
    void failsFastOnBadInput() {
        assertThrows(IllegalArgumentException.class,
                () -> new PlacedShape(ShapeKind.CIRCLE, Colour.RED, 0.05, 0.5, 0.1));
        assertThrows(IllegalArgumentException.class, () -> new Scene(List.of()));
        PlacedShape a = new PlacedShape(ShapeKind.CIRCLE, Colour.RED, 0.2, 0.2, 0.1);
        PlacedShape b = new PlacedShape(ShapeKind.SQUARE, Colour.RED, 0.8, 0.2, 0.1);
        PlacedShape c = new PlacedShape(ShapeKind.SQUARE, Colour.BLUE, 0.5, 0.8, 0.1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ShapesWorld.captions(new Scene(List.of(a, b, c))));
        assertTrue(e.getMessage().contains("3 shapes"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ShapesWorld(1).sample(-1));
        assertThrows(IllegalArgumentException.class, () -> new SceneMix(0, 0, 0, 0.5));
        assertThrows(IllegalArgumentException.class, () -> new ShapesWorld(1, SceneMix.DEFAULT, 8));
    }

    @Test
    void sceneMixParsesNamedWeightsAndKeepsDefaultsForTheRest() {
        assertEquals(SceneMix.DEFAULT, SceneMix.parse(SceneMix.DEFAULT.toString()));
        assertEquals(new SceneMix(0.35, 0.35, 0.3, 1, 0.9),
                SceneMix.parse("single=0.35, counting=0.35,pair=0.3,positioned=1,located=0.9"));
        assertEquals(new SceneMix(0.4, 1, 0.35, 0.6), SceneMix.parse("COUNTING=1"));
        for (String bad : new String[] {"", "single", "size=1", "single=x", "single=1,single=2", "positioned=2",
                "located=1.5", "single=0,counting=0,pair=0"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SceneMix.parse(bad), bad);
            assertTrue(e.getMessage().contains(bad.equals("positioned=2") ? "positioned must be in [0, 1]"
                    : bad.equals("located=1.5") ? "located must be in [0, 1] or -1"
                    : bad.startsWith("single=0,") ? "positive sum" : "scene mix '" + bad + "'"), e.getMessage());
        }
        for (double located : new double[] {0, 1}) {
            ShapesWorld world = new ShapesWorld(6, new SceneMix(1, 0, 0, 1, located), 32);
            for (int i = 0; i < 50; i++) {
                String caption = world.sample(i).caption();
                boolean named = Arrays.stream(Region.values()).anyMatch(r -> caption.endsWith(r.phrase()));
                assertEquals(located == 1, named, caption);
            }
        }
        ShapesWorld countingOnly = new ShapesWorld(5, SceneMix.parse("single=0,pair=0"), 32);
        for (int i = 0; i < 50; i++) {
            String caption = countingOnly.sample(i).caption();
            assertTrue(caption.startsWith("two ") || caption.startsWith("three "), caption);
        }
    }

    @Test
    void rendersOnBlackWithThePaletteColours() {
        Scene scene = new Scene(List.of(new PlacedShape(ShapeKind.SQUARE, Colour.PURPLE, 0.5, 0.5, 0.2)));
        BufferedImage image = ShapesWorld.render(scene, 64);
        assertEquals(BufferedImage.TYPE_INT_RGB, image.getType());
        assertEquals(0, image.getRGB(2, 2) & 0xFFFFFF, "background is black");
        assertEquals(Colour.PURPLE.rgb(), image.getRGB(32, 32) & 0xFFFFFF, "interior is the exact palette colour");
    }

    @Test
    void rendersAThousandSamplesQuickly() {
        ShapesWorld world = new ShapesWorld(5);
        for (long i = 0; i < 200; i++) {
            world.sample(i);
        }
        long start = System.nanoTime();
        for (long i = 0; i < 1000; i++) {
            world.sample(i);
        }
        System.out.printf("ShapesWorld: 1000 samples at 64x64 in %.0f ms%n", (System.nanoTime() - start) / 1e6);
    }
}
