/**
 * Automatic evaluation of generated images of the shapes world ({@link dev.diffusion4j.shapes.ShapesWorld}), after
 * GenEval: {@link dev.diffusion4j.eval.PromptAdherence} finds coloured shapes by plain image analysis and checks
 * them against a prompt parsed by {@link dev.diffusion4j.eval.PromptSpec}; {@link dev.diffusion4j.eval.ImageGrid}
 * draws labelled contact sheets.
 *
 * <p>Why image analysis rather than a detector model: the world is simple enough (seven saturated colours, three
 * shapes, black background) that hue segmentation and two shape descriptors are near-perfect on renders, and a
 * judge that needs no weights can run in every test. Its calibration (in the tests) on 64×64 renders: every
 * render passes its own caption, every caption with one attribute changed is refused, and a render blurred with
 * σ = 1 px plus ±10 noise — a stand-in for a generated image — still passes.
 *
 * <p>Why coverage-based descriptors: at 64×64 a small shape is ten pixels across; a thresholded mask loses or gains
 * a whole edge column, which moved small circles' fill ratio up to 0.90 (square territory). Counting edge pixels by
 * their coverage ({@code ShapeMeasure}) keeps circles within 0.77–0.83 and squares above 0.93
 * even after blur, and a triangle's vertical skewness (−0.38 to −0.59 measured, 0 ± 0.03 for the others) tells it
 * apart however blur fattens it.
 */
package dev.diffusion4j.eval;
