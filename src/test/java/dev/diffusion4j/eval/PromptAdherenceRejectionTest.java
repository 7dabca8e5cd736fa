package dev.diffusion4j.eval;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.diffusion4j.shapes.Colour;
import dev.diffusion4j.shapes.Region;
import dev.diffusion4j.shapes.Sample;
import dev.diffusion4j.shapes.ShapeKind;
import dev.diffusion4j.shapes.ShapeSize;
import dev.diffusion4j.shapes.ShapesWorld;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The judge must refuse an image the prompt does not describe: one attribute changed, or another scene's caption. */
class PromptAdherenceRejectionTest {

    private static final int SIDE = 64;

    private record Mutation(String what, PromptSpec spec) {}

    private static <T> T other(T[] values, T not, Random random) {
        T v;
        do {
            v = values[random.nextInt(values.length)];
        } while (v == not);
        return v;
    }

    private static PromptSpec withObject(PromptSpec spec, int k, ObjectSpec object) {
        List<ObjectSpec> objects = new ArrayList<>(spec.objects());
        objects.set(k, object);
        return new PromptSpec(spec.category(), objects, spec.region(), spec.relation());
    }

    /** One mutation per attribute the prompt states: colour, shape, size, count, region, relation. */
    private static List<Mutation> mutations(PromptSpec spec, Random random) {
        List<Mutation> out = new ArrayList<>();
        for (int k = 0; k < spec.objects().size(); k++) {
            ObjectSpec o = spec.objects().get(k);
            out.add(new Mutation("colour", withObject(spec, k, new ObjectSpec(other(Colour.values(), o.colour(),
                    random), o.kind(), o.size(), o.count(), o.exact()))));
            out.add(new Mutation("shape", withObject(spec, k, new ObjectSpec(o.colour(), other(ShapeKind.values(),
                    o.kind(), random), o.size(), o.count(), o.exact()))));
            if (o.size() != null) {
                out.add(new Mutation("size", withObject(spec, k, new ObjectSpec(o.colour(), o.kind(),
                        other(ShapeSize.values(), o.size(), random), o.count(), o.exact()))));
            }
        }
        ObjectSpec first = spec.objects().get(0);
        if (spec.category() == Category.SINGLE || spec.category() == Category.COUNTING) {
            int n = first.exact() ? first.count() : 1;
            int changed = n == 3 ? 2 : n + 1;
            out.add(new Mutation("count", new PromptSpec(changed > 1 ? Category.COUNTING : Category.SINGLE,
                    List.of(new ObjectSpec(first.colour(), first.kind(), first.size(), changed, true)), null, null)));
        }
        if (spec.region() != null) {
            for (Region opposite : spec.region().opposites()) {
                out.add(new Mutation("position", new PromptSpec(Category.POSITION, spec.objects(), opposite, null)));
            }
        }
        if (spec.relation() != null) {
            out.add(new Mutation("relation", new PromptSpec(Category.RELATION, spec.objects(), null,
                    spec.relation().inverse())));
        }
        return out;
    }

    @Test
    void rejectsCaptionsWithOneAttributeChanged() {
        Map<String, int[]> rejected = new TreeMap<>();
        ShapesWorld world = new ShapesWorld(77);
        Random random = new Random(2);
        for (long i = 0; i < 1000; i++) {
            Sample s = world.sample(i);
            Detection truth = Detection.ofScene(s.scene(), SIDE);
            // Every fifth image blurred and noisy: a generated-looking image must be refused as surely.
            BufferedImage image = i % 5 == 0 ? Degrade.blurAndNoise(s.image(), 1.0, 10, random) : s.image();
            for (Mutation m : mutations(PromptSpec.parse(s.caption()), random)) {
                if (PromptAdherenceTest.LENIENT.judge(truth, m.spec()).passed()) {
                    continue; // the change happens to describe the scene too ("a red circle" → "a blue circle" beside one)
                }
                int[] t = rejected.computeIfAbsent(m.what(), w -> new int[2]);
                t[0] += PromptAdherence.judge(image, m.spec()).passed() ? 0 : 1;
                t[1]++;
            }
        }
        System.out.println("PromptAdherence rejection of one-attribute changes: " + rejected.entrySet().stream()
                .map(e -> e.getKey() + " " + e.getValue()[0] + "/" + e.getValue()[1]).toList());
        rejected.forEach((what, t) -> assertTrue(t[0] >= 0.98 * t[1], what + " " + t[0] + "/" + t[1]));
    }

    @Test
    void judgesOtherScenesCaptionsByWhatTheySay() {
        ShapesWorld world = new ShapesWorld(55);
        int disagree = 0;
        int rejected = 0;
        int agree = 0;
        int accepted = 0;
        for (long i = 0; i < 1000; i++) {
            String caption = world.sample(i).caption();
            Sample other = world.sample(i + 1);
            PromptSpec spec = PromptSpec.parse(caption);
            Detection truth = Detection.ofScene(other.scene(), SIDE);
            boolean passed = PromptAdherence.judge(other.image(), spec).passed();
            if (!PromptAdherenceTest.LENIENT.judge(truth, spec).passed()) {
                disagree++;
                rejected += passed ? 0 : 1;
            } else if (PromptAdherenceTest.STRICT.judge(truth, spec).passed()) {
                agree++;
                accepted += passed ? 1 : 0;
            }
        }
        System.out.printf("PromptAdherence on other scenes' captions: rejected %d/%d that disagree, accepted %d/%d"
                + " that agree%n", rejected, disagree, accepted, agree);
        assertTrue(disagree > 900 && rejected >= 0.98 * disagree, rejected + "/" + disagree);
        assertTrue(accepted == agree, accepted + "/" + agree);
    }
}
