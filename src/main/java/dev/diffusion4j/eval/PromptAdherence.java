package dev.diffusion4j.eval;

import java.awt.image.BufferedImage;
import java.util.List;
import java.util.stream.Stream;

/**
 * Automatic judging of an image against a shapes-world prompt, after GenEval, by image analysis alone (no model): see
 * {@link #analyse(BufferedImage)} for how objects are found and {@link #judge(BufferedImage, PromptSpec)} for the
 * rules. Scores are meaningful for images of the shapes world (saturated palette shapes on a dark background), at
 * any resolution.
 */
public final class PromptAdherence {

    private static final List<String> SINGLE = List.of(
            "a red circle", "a green square", "a blue triangle", "a yellow circle", "a purple square",
            "an orange triangle", "a white circle", "a blue square", "a red triangle", "an orange circle",
            "a white square", "a purple triangle");
    private static final List<String> COUNTING = List.of(
            "two blue triangles", "three red circles", "two green squares", "three yellow triangles",
            "two purple circles", "three orange squares", "two white triangles", "three blue circles",
            "two red squares", "three green triangles", "two yellow circles", "three white squares");
    private static final List<String> POSITION = List.of(
            "a red square on the left", "a blue circle on the right", "a green triangle at the top",
            "a yellow square at the bottom", "a purple circle in the center", "a white triangle on the left",
            "an orange circle at the top", "a red triangle on the right", "a blue square at the bottom",
            "a green circle in the center", "a large yellow triangle on the left", "a small purple square on the right");
    private static final List<String> TWO_OBJECTS = List.of(
            "a red circle and a blue square", "a green triangle and a yellow circle",
            "a purple square and an orange triangle", "a white circle and a red triangle",
            "a blue triangle and a green square", "a yellow square and a purple circle",
            "an orange circle and a white square", "a red square and a green circle",
            "a blue circle and a yellow triangle", "a white triangle and an orange square",
            "a green circle and a purple triangle", "a yellow triangle and a red square");
    private static final List<String> RELATION = List.of(
            "a red circle to the left of a blue square", "a green triangle above a yellow circle",
            "a purple square to the right of an orange circle", "a white circle below a red triangle",
            "a blue triangle to the left of a green circle", "a yellow square above a purple triangle",
            "an orange triangle to the right of a white square", "a red square below a blue circle",
            "a green square to the left of a purple circle", "a white triangle above an orange square",
            "a yellow circle to the right of a red triangle", "a blue square below a yellow triangle");

    private static final List<EvalPrompt> HELD_OUT = Stream.of(SINGLE, COUNTING, POSITION, TWO_OBJECTS, RELATION)
            .flatMap(List::stream).map(EvalPrompt::of).toList();

    private PromptAdherence() {}

    /**
     * The fixed evaluation set: 12 prompts in each category (single, counting, position, two_objects, relation), in
     * that order. They are sentences of the training grammar, so a model trained on the shapes world has seen
     * every word and construction, though not necessarily these exact combinations.
     */
    public static List<EvalPrompt> heldOutPrompts() {
        return HELD_OUT;
    }

    /** Judges an image against an evaluation prompt. */
    public static Verdict judge(BufferedImage image, EvalPrompt prompt) {
        return judge(image, prompt.spec());
    }

    /**
     * Judges an image against a parsed prompt: each object phrase needs objects of its colour and kind (and size,
     * when named; small below a radius of {@link dev.diffusion4j.shapes.ShapeSize#THRESHOLD}), at least one for
     * "a"/"an" and exactly the number for a numeral; a position needs such an object with its centre in the region
     * ({@link dev.diffusion4j.shapes.Region}); "and" needs two distinct objects; a relation needs them ordered on
     * its axis by more than a tenth of the image. Extra objects do not fail a prompt unless they break a count.
     */
    public static Verdict judge(BufferedImage image, PromptSpec spec) {
        return Judge.IMAGE.judge(analyse(image), spec);
    }

    /** Parses any caption of the shapes-world grammar and judges the image against it. */
    public static Verdict judge(BufferedImage image, String prompt) {
        return judge(image, PromptSpec.parse(prompt));
    }

    /**
     * Finds the objects of an image: each pixel takes the nearest palette hue, or white when unsaturated, or
     * background when its value is under 0.3; 8-connected regions of one colour covering at least 0.4% of the image
     * are objects; an object's shape comes from its fill ratio (square ≥ 0.88, triangle < 0.64) and, for the
     * circle/triangle decision, from how low its centre of mass sits in its bounding box (an apex-up triangle's
     * sits at 2/3).
     */
    public static Detection analyse(BufferedImage image) {
        return Segmenter.analyse(image);
    }
}
