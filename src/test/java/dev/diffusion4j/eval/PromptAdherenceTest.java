package dev.diffusion4j.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.diffusion4j.shapes.Sample;
import dev.diffusion4j.shapes.SceneMix;
import dev.diffusion4j.shapes.ShapesWorld;
import java.awt.image.BufferedImage;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PromptAdherenceTest {

    /** Claims as strict as the captions' (region 0.04 inside, relation 0.2 apart): what a caption promises. */
    static final Judge STRICT = new Judge(0.04, 0.2);
    /** Claims as loose as can be: a prompt false even under this is false beyond doubt. */
    static final Judge LENIENT = new Judge(-0.04, 0);

    private static final int SIDE = 64;

    /** Pass counts per category: [passed, total]. */
    private static String rates(Map<Category, int[]> tally) {
        StringBuilder b = new StringBuilder();
        tally.forEach((c, t) -> b.append(String.format("%s %d/%d  ", c.tag(), t[0], t[1])));
        return b.toString().trim();
    }

    private static void count(Map<Category, int[]> tally, Category category, boolean ok) {
        int[] t = tally.computeIfAbsent(category, c -> new int[2]);
        t[0] += ok ? 1 : 0;
        t[1]++;
    }

    private static double rate(Map<Category, int[]> tally) {
        int passed = tally.values().stream().mapToInt(t -> t[0]).sum();
        int total = tally.values().stream().mapToInt(t -> t[1]).sum();
        return passed / (double) total;
    }

    @Test
    void heldOutPromptsAreTwelvePerCategoryAndDistinct() {
        List<EvalPrompt> prompts = PromptAdherence.heldOutPrompts();
        assertEquals(60, prompts.size());
        assertEquals(60, new HashSet<>(prompts.stream().map(EvalPrompt::text).toList()).size());
        for (Category c : Category.values()) {
            assertEquals(12, prompts.stream().filter(p -> p.category() == c).count(), c.tag());
        }
    }

    @Test
    void everyHeldOutPromptPassesOnItsPerfectRenderAndOnlyThere() {
        List<EvalPrompt> prompts = PromptAdherence.heldOutPrompts();
        List<BufferedImage> renders = prompts.stream()
                .map(p -> ShapesWorld.render(SpecScenes.satisfying(p.spec()), SIDE)).toList();
        for (int i = 0; i < prompts.size(); i++) {
            Verdict v = PromptAdherence.judge(renders.get(i), prompts.get(i));
            assertTrue(v.passed(), prompts.get(i).text() + ": " + v.reason());
            // The same category's other prompts ask for other colours or shapes (or counts).
            for (int j = 0; j < prompts.size(); j++) {
                if (j != i && prompts.get(j).category() == prompts.get(i).category()) {
                    assertFalse(PromptAdherence.judge(renders.get(j), prompts.get(i)).passed(),
                            prompts.get(i).text() + " on the render of " + prompts.get(j).text());
                }
            }
        }
    }

    @Test
    void captionsHoldInTheirScenesByGeometry() {
        ShapesWorld world = new ShapesWorld(31);
        for (long i = 0; i < 1000; i++) {
            Sample s = world.sample(i);
            Detection truth = Detection.ofScene(s.scene(), SIDE);
            for (String caption : ShapesWorld.captions(s.scene())) {
                Verdict v = STRICT.judge(truth, PromptSpec.parse(caption));
                assertTrue(v.passed(), "index " + i + ", '" + caption + "': " + v.reason());
            }
        }
    }

    @Test
    void passesRendersOfTheirOwnCaptions() {
        Map<Category, int[]> tally = new EnumMap<>(Category.class);
        ShapesWorld world = new ShapesWorld(1234);
        for (long i = 0; i < 1000; i++) {
            Sample s = world.sample(i);
            PromptSpec spec = PromptSpec.parse(s.caption());
            count(tally, spec.category(), PromptAdherence.judge(s.image(), spec).passed());
        }
        System.out.println("PromptAdherence on renders: " + rates(tally));
        tally.forEach((c, t) -> assertTrue(t[1] >= 50 && t[0] >= 0.98 * t[1], c.tag() + " " + t[0] + "/" + t[1]));
    }

    @Test
    void passesBlurredNoisyRenders() {
        Map<Category, int[]> tally = new EnumMap<>(Category.class);
        ShapesWorld world = new ShapesWorld(99);
        Random random = new Random(5);
        for (long i = 0; i < 600; i++) {
            Sample s = world.sample(i);
            BufferedImage degraded = Degrade.blurAndNoise(s.image(), 1.0, 10, random);
            PromptSpec spec = PromptSpec.parse(s.caption());
            count(tally, spec.category(), PromptAdherence.judge(degraded, spec).passed());
        }
        System.out.println("PromptAdherence on blurred (sigma 1) noisy (+-10) renders: " + rates(tally));
        assertTrue(rate(tally) >= 0.90, rates(tally));
    }

    @Test
    void passesRendersAtOtherResolutions() {
        ShapesWorld world = new ShapesWorld(8, SceneMix.DEFAULT, 128);
        for (long i = 0; i < 100; i++) {
            Sample s = world.sample(i);
            Verdict v = PromptAdherence.judge(s.image(), s.caption());
            assertTrue(v.passed(), s.caption() + ": " + v.reason());
        }
    }

    @Test
    void findsNothingInBlackOrNoise() {
        BufferedImage black = new BufferedImage(SIDE, SIDE, BufferedImage.TYPE_INT_RGB);
        assertTrue(PromptAdherence.analyse(black).objects().isEmpty());
        BufferedImage noise = Degrade.blurAndNoise(black, 1.0, 10, new Random(1));
        assertTrue(PromptAdherence.analyse(noise).objects().isEmpty());
        Verdict v = PromptAdherence.judge(black, "a red circle");
        assertFalse(v.passed());
        assertTrue(v.reason().contains("detected: nothing"), v.reason());
    }
}
