package dev.diffusion4j.cli;

import ai.djl.ndarray.types.DataType;
import dev.diffusion4j.eval.Category;
import dev.diffusion4j.eval.EvalPrompt;
import dev.diffusion4j.eval.Evaluation;
import dev.diffusion4j.eval.ImageGrid;
import dev.diffusion4j.eval.PromptAdherence;
import dev.diffusion4j.pipelines.StableDiffusion;
import dev.diffusion4j.schedulers.Samplers;
import dev.diffusion4j.tensor.Engines;
import dev.diffusion4j.tensor.Precision;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code d4j eval}: automatic prompt adherence on the held-out shapes prompts, per category and overall. */
@Command(name = "eval", description = "Score prompt adherence (GenEval-style) on the held-out shapes-world prompts.")
final class EvalCommand implements Callable<Integer> {

    @Option(names = {"-m", "--model"}, description = "Model folder or repo id (default: the built-in model).")
    String model;

    @Option(names = "--seeds", defaultValue = "4", description = "Images per prompt (default: ${DEFAULT-VALUE}).")
    int seeds;

    @Option(names = "--steps", defaultValue = "20", description = "Sampling steps (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--cfg-scale", defaultValue = "7.5", description = "Guidance scale (default: ${DEFAULT-VALUE}).")
    double cfgScale;

    @Option(names = "--guidance-rescale", defaultValue = "0", description = "CFG rescale φ in [0, 1] (default: "
            + "${DEFAULT-VALUE}, off).")
    double guidanceRescale;

    @Option(names = "--sampler", completionCandidates = SamplerNames.class,
            description = "${COMPLETION-CANDIDATES} (default: the model's own).")
    String sampler;

    @Option(names = "--seed", defaultValue = "1000", description = "First seed; prompt i uses seed+i (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--category", description = "Only this category: single, counting, position, two_objects, relation.")
    String category;

    @Option(names = {"-o", "--grid"}, defaultValue = "eval-grid.png", description = "Grid of the samples with their "
            + "prompts and verdicts (default: ${DEFAULT-VALUE}).")
    Path grid;

    @Option(names = {"-t", "--threads"}, description = "libtorch threads (default: all cores).")
    Integer threads;

    @Option(names = "--dtype", defaultValue = "fp32", description = "Compute dtype: fp32, bf16 or auto (default: "
            + "${DEFAULT-VALUE}).")
    String dtype;

    @Override
    public Integer call() throws IOException {
        DataType computeType;
        try {
            computeType = Precision.parse(dtype);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        if (seeds < 1 || seeds > 64) {
            throw new UsageException("--seeds must be in [1, 64], got " + seeds);
        }
        if (!(guidanceRescale >= 0 && guidanceRescale <= 1)) {
            throw new UsageException("--guidance-rescale must be in [0, 1], got " + guidanceRescale);
        }
        TrainingCli.requireRange("--steps", steps, 1, 1000);
        TrainingCli.requireRange("--cfg-scale", cfgScale, 0, 100);
        if (sampler != null) {
            try {
                Samplers.parse(sampler);
            } catch (IllegalArgumentException e) {
                throw new UsageException("--sampler: " + e.getMessage());
            }
        }
        int threadCount = TrainingCli.threads(threads);
        try {
            // what every prompt's request will be, but for its text and seed: refused here, before the model loads
            Evaluation.request("", settings(), seed);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        List<EvalPrompt> prompts = new ArrayList<>(PromptAdherence.heldOutPrompts());
        if (category != null) {
            prompts.removeIf(p -> !p.category().tag().equals(category));
            if (prompts.isEmpty()) {
                throw new UsageException("unknown --category '" + category + "' (single, counting, position, "
                        + "two_objects, relation)");
            }
        }
        var dir = DefaultModel.resolve(model);
        Engines.start(threadCount);
        try (StableDiffusion sd = StableDiffusion.load(dir, computeType);
             ProgressBar bar = new ProgressBar(System.err, "eval", "prompt")) {
            Evaluation.Report r = Evaluation.run(sd, prompts, settings(), done -> bar.update(done, prompts.size()));
            System.out.printf(Locale.ROOT, "%-12s %8s %8s%n", "category", "accuracy", "images");
            for (Category c : Category.values()) {
                if (!Double.isNaN(r.rate(c))) {
                    System.out.printf(Locale.ROOT, "%-12s %7.1f%% %8d%n", c.tag(), 100 * r.rate(c),
                            (int) r.counts().get(c)[1]);
                }
            }
            System.out.printf(Locale.ROOT, "%-12s %7.1f%% %8d%n", "overall", 100 * r.overall(), r.images().size());
            List<BufferedImage> images = new ArrayList<>();
            List<String> labels = new ArrayList<>();
            for (Evaluation.Judged j : r.images()) {
                images.add(j.image());
                labels.add((j.verdict().passed() ? "✓ " : "✗ ") + j.prompt().text());
            }
            ImageGrid.write(grid, images, labels, Math.max(4, seeds));
            System.out.println(grid.toAbsolutePath());
        }
        return 0;
    }

    private Evaluation.Settings settings() {
        return new Evaluation.Settings(seeds, steps, cfgScale, guidanceRescale, sampler, seed);
    }
}
