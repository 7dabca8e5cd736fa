package dev.diffusion4j.eval;

import dev.diffusion4j.pipelines.GenerationListener;
import dev.diffusion4j.pipelines.GenerationRequest;
import dev.diffusion4j.pipelines.GenerationResult;
import dev.diffusion4j.pipelines.StableDiffusion;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * GenEval-style prompt adherence of a model on the shapes world: every held-out prompt is generated with
 * {@code seeds} seeds and each image judged by {@link PromptAdherence}; the overall score is the mean of the
 * per-category rates.
 */
public final class Evaluation {

    /** Settings of a run: seeds per prompt, sampling steps, guidance and its rescale φ, sampler (null: the model's). */
    public record Settings(int seeds, int steps, double guidanceScale, double guidanceRescale, String sampler,
                           long firstSeed) {}

    /** One judged image. */
    public record Judged(EvalPrompt prompt, long seed, BufferedImage image, Verdict verdict) {}

    /** Pass rates per category and overall, with every judged image. */
    public record Report(Map<Category, double[]> counts, List<Judged> images, double seconds) {

        public double rate(Category c) {
            double[] pc = counts.get(c);
            return pc == null || pc[1] == 0 ? Double.NaN : pc[0] / pc[1];
        }

        /** Mean of the category rates (categories with images only). */
        public double overall() {
            return counts.keySet().stream().mapToDouble(this::rate).filter(d -> !Double.isNaN(d)).average().orElse(0);
        }
    }

    private Evaluation() {}

    /**
     * The request for one prompt: its {@code seeds} images from {@code seed} on.
     *
     * @throws IllegalArgumentException for settings no request accepts (steps, guidance, an unknown sampler)
     */
    public static GenerationRequest request(String prompt, Settings s, long seed) {
        return GenerationRequest.builder(prompt).steps(s.steps()).guidanceScale(s.guidanceScale())
                .guidanceRescale(s.guidanceRescale()).sampler(s.sampler()).seed(seed).imagesPerPrompt(s.seeds())
                .build();
    }

    /** @param progress called with the number of prompts done */
    public static Report run(StableDiffusion model, List<EvalPrompt> prompts, Settings s, IntConsumer progress) {
        long t0 = System.nanoTime();
        Map<Category, double[]> counts = new EnumMap<>(Category.class);
        List<Judged> judged = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            EvalPrompt p = prompts.get(i);
            long seed = s.firstSeed() + i;
            GenerationResult result = model.generate(request(p.text(), s, seed), GenerationListener.NONE);
            for (BufferedImage img : result.images()) {
                Verdict v = PromptAdherence.judge(img, p);
                double[] c = counts.computeIfAbsent(p.category(), k -> new double[2]);
                c[0] += v.passed() ? 1 : 0;
                c[1] += 1;
                judged.add(new Judged(p, seed, img, v));
            }
            progress.accept(i + 1);
        }
        return new Report(counts, judged, (System.nanoTime() - t0) / 1e9);
    }
}
