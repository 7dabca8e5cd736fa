package dev.diffusion4j.shapes;

import java.util.ArrayList;
import java.util.List;

/**
 * Writes every caption that is true of a scene, in the shapes-world grammar (see {@link ShapesWorld}). Claims are
 * made with margins stricter than an evaluator's, so a caption stays true of its image after blur or noise.
 */
final class Captions {

    /** A region is claimed only when the centre is this far inside it. */
    static final double REGION_MARGIN = 0.04;
    /** A relation is claimed only when the centres are this far apart on its axis. */
    static final double RELATION_SEPARATION = 0.2;

    private static final String[] NUMERALS = {"", "one", "two", "three"};

    private Captions() {}

    static List<String> of(Scene scene) {
        List<PlacedShape> shapes = scene.shapes();
        PlacedShape first = shapes.get(0);
        boolean oneLook = shapes.stream().allMatch(first::sameLook);
        if (oneLook && shapes.size() == 1) {
            return single(first);
        }
        if (oneLook && shapes.size() < NUMERALS.length) {
            return counting(shapes);
        }
        if (shapes.size() == 2) {
            return pair(first, shapes.get(1));
        }
        throw new IllegalArgumentException("the caption grammar describes one shape, two or three alike, or two"
                + " different shapes; got " + shapes.size() + " shapes of several looks: " + shapes);
    }

    private static List<String> single(PlacedShape s) {
        List<String> descriptions = new ArrayList<>();
        for (boolean withSize : sizeChoices(s.size() != null)) {
            String words = words(s, withSize);
            descriptions.add(article(words) + " " + words);
            descriptions.add("one " + words);
            descriptions.add(words);
        }
        List<String> captions = new ArrayList<>(descriptions);
        for (Region region : Region.values()) {
            if (region.contains(s.x(), s.y(), REGION_MARGIN)) {
                for (String d : descriptions) {
                    captions.add(d + " " + region.phrase());
                }
            }
        }
        return captions;
    }

    private static List<String> counting(List<PlacedShape> shapes) {
        PlacedShape first = shapes.get(0);
        ShapeSize size = first.size();
        boolean sameSize = size != null && shapes.stream().allMatch(s -> s.size() == size);
        String numeral = NUMERALS[shapes.size()];
        String plain = first.colour().word() + " " + first.kind().plural();
        List<String> captions = new ArrayList<>();
        captions.add(numeral + " " + plain);
        if (sameSize) {
            captions.add(numeral + " " + size.word() + " " + plain);
        }
        return captions;
    }

    private static List<String> pair(PlacedShape a, PlacedShape b) {
        List<String> captions = new ArrayList<>();
        for (boolean withSize : sizeChoices(a.size() != null && b.size() != null)) {
            for (PlacedShape[] order : new PlacedShape[][] {{a, b}, {b, a}}) {
                String first = phrase(order[0], withSize);
                String second = phrase(order[1], withSize);
                captions.add(first + " and " + second);
                for (Relation relation : Relation.values()) {
                    if (relation.holds(order[0].x(), order[0].y(), order[1].x(), order[1].y(), RELATION_SEPARATION)) {
                        captions.add(first + " " + relation.phrase() + " " + second);
                    }
                }
            }
        }
        return captions;
    }

    private static boolean[] sizeChoices(boolean sizeKnown) {
        return sizeKnown ? new boolean[] {false, true} : new boolean[] {false};
    }

    /** "a red circle" / "an orange square". */
    private static String phrase(PlacedShape s, boolean withSize) {
        String words = words(s, withSize);
        return article(words) + " " + words;
    }

    /** "[size] colour kind", without an article. */
    private static String words(PlacedShape s, boolean withSize) {
        return (withSize ? s.size().word() + " " : "") + s.colour().word() + " " + s.kind().word();
    }

    /** English's indefinite article: "an" before a vowel sound, which in this vocabulary is a written vowel. */
    static String article(String next) {
        return "aeiou".indexOf(next.charAt(0)) >= 0 ? "an" : "a";
    }
}
