package dev.diffusion4j.cli;

import ai.djl.ndarray.types.DataType;
import dev.diffusion4j.io.Png;
import dev.diffusion4j.models.LoadOptions;
import dev.diffusion4j.models.ModelSpec;
import dev.diffusion4j.pipelines.GenerationListener;
import dev.diffusion4j.pipelines.GenerationRequest;
import dev.diffusion4j.pipelines.GenerationResult;
import dev.diffusion4j.pipelines.Infotext;
import dev.diffusion4j.pipelines.StableDiffusion;
import dev.diffusion4j.tensor.Engines;
import dev.diffusion4j.tensor.Precision;
import dev.diffusion4j.vae.VaeTiling;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code d4j generate}: txt2img / img2img with option names from stable-diffusion.cpp and A1111. */
@Command(name = "generate", description = "Generate images from a prompt (txt2img), or from an init image (img2img).")
final class GenerateCommand implements Callable<Integer> {

    @Option(names = {"-m", "--model"}, description = "Diffusers folder or Hugging Face repo id in the local cache "
            + "(default: the built-in model).")
    String model;

    @Option(names = {"-p", "--prompt"}, required = true, description = "What to draw.")
    String prompt;

    @Option(names = {"-n", "--negative-prompt"}, description = "What to avoid.")
    String negativePrompt;

    @Option(names = {"-W", "--width"}, description = "Width in pixels, a multiple of 8 (default: the model's size).")
    int width;

    @Option(names = {"-H", "--height"}, description = "Height in pixels, a multiple of 8 (default: the model's size).")
    int height;

    @Option(names = "--steps", defaultValue = "20", description = "Sampling steps (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--cfg-scale", defaultValue = "7.5", description = "Classifier-free guidance (default: ${DEFAULT-VALUE}).")
    double cfgScale;

    @Option(names = "--guidance-rescale", defaultValue = "0", description = "CFG rescale φ in [0, 1] (diffusers' "
            + "guidance_rescale; about 0.7 for zero-terminal-SNR models; default: ${DEFAULT-VALUE}, off).")
    double guidanceRescale;

    @Option(names = "--sampler", completionCandidates = SamplerNames.class, description = "${COMPLETION-CANDIDATES} "
            + "or an A1111 name such as \"DPM++ 2M Karras\" (default: the model's own scheduler).")
    String sampler;

    @Option(names = "--scheduler", description = "Sigma schedule: discrete (the sampler's own) or karras "
            + "(Karras et al. 2022 sigmas, for the samplers that have them).")
    String schedule;

    @Option(names = "--timestep-spacing", description = "diffusers' timestep_spacing: leading, linspace or trailing "
            + "(default: the model's own).")
    String timestepSpacing;

    @Option(names = {"-s", "--seed"}, defaultValue = "-1", description = "Seed; -1 picks one at random (printed).")
    long seed;

    @Option(names = {"-b", "--batch"}, defaultValue = "1", description = "Images to generate (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = {"-i", "--init-img"}, description = "Init image for img2img.")
    Path initImage;

    @Option(names = "--strength", defaultValue = "0.75", description = "img2img strength in (0, 1] (default: ${DEFAULT-VALUE}).")
    double strength;

    @Option(names = "--clip-skip", defaultValue = "0", description = "Skip the last N text-encoder layers (A1111's "
            + "'Clip skip' minus one).")
    int clipSkip;

    @Option(names = {"-o", "--output"}, defaultValue = "output.png", description = "Output PNG (default: ${DEFAULT-VALUE}); "
            + "a batch writes NAME.png, NAME_1.png, ...")
    Path output;

    @Option(names = {"-t", "--threads"}, description = "libtorch threads (default: one for tiny latents such as the "
            + "built-in model's at 64x64, where it is faster; else all cores).")
    int threads;

    @Option(names = "--dtype", defaultValue = "fp32", description = "Compute dtype: fp32 (the reference), bf16 (about "
            + "2x faster on CPUs with AVX512-BF16 or AMX, half the weight memory, slightly different pixels), or auto "
            + "(bf16 where the CPU has it; default: ${DEFAULT-VALUE}).")
    String dtype;

    @Option(names = "--vae-tiling", negatable = true, description = "Decode (and encode) the VAE in overlapping tiles: "
            + "bounded memory for large images, faint seams possible. --no-vae-tiling never tiles (default: tiles above "
            + "768x768 pixels).")
    Boolean vaeTiling;

    @Override
    public Integer call() throws IOException {
        DataType computeType;
        try {
            computeType = Precision.parse(dtype);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        BufferedImage init = initImage == null ? null : readInit(initImage);
        GenerationRequest request;
        try {
            request = GenerationRequest.builder(prompt).negativePrompt(negativePrompt).size(width, height).steps(steps)
                    .guidanceScale(cfgScale).guidanceRescale(guidanceRescale).sampler(sampler).schedule(schedule)
                    .timestepSpacing(timestepSpacing).seed(seed).imagesPerPrompt(batch)
                    .initImage(init, strength).clipSkip(clipSkip).build();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        Path parent = output.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw new UsageException("output folder does not exist: " + parent);
        }
        ModelSpec spec = ModelSpec.open(DefaultModel.resolve(model));
        try {
            request = request.resolve(spec.nativeSize(), spec.vaeScaleFactor());
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        // loading starts libtorch while another thread parses the tokenizer
        Engines.configure(threads > 0 ? threads : StableDiffusion.suggestedThreads(spec, request));
        StableDiffusion sd;
        // one generation per run: peak memory is the largest part
        LoadOptions options = LoadOptions.defaults().withDtype(computeType).withFreeParamsImmediately(true)
                .withVaeTiling(vaeTiling == null ? VaeTiling.AUTO : vaeTiling ? VaeTiling.ON : VaeTiling.OFF);
        try (ProgressBar loading = new ProgressBar(System.err, "loading ", "part")) {
            loading.update(0, StableDiffusion.LOAD_PARTS);
            sd = StableDiffusion.load(spec, options, done -> loading.update(done, StableDiffusion.LOAD_PARTS));
        }
        try (sd; ProgressBar bar = new ProgressBar(System.err, "sampling", "it")) {
            GenerationResult result = sd.generate(request, new GenerationListener() {
                @Override
                public void onStep(Step step) {
                    bar.update(step.index() + 1, step.total());
                }
            });
            List<Path> written = write(sd, request, result);
            if (seed < 0) {
                System.err.println("seed: " + Long.toUnsignedString(result.seed()));
            }
            written.forEach(p -> System.out.println(p.toAbsolutePath()));
        }
        return 0;
    }

    private List<Path> write(StableDiffusion sd, GenerationRequest request, GenerationResult result) throws IOException {
        List<Path> paths = new ArrayList<>();
        String file = output.getFileName().toString();
        String stem = file.toLowerCase().endsWith(".png") ? file.substring(0, file.length() - 4) : file;
        for (int i = 0; i < result.images().size(); i++) {
            Path p = i == 0 ? output : output.resolveSibling(stem + "_" + i + ".png");
            Png.write(p, result.images().get(i), Map.of("parameters", Infotext.of(request, result, sd.name(), i)));
            paths.add(p);
        }
        return paths;
    }

    private static BufferedImage readInit(Path p) {
        try {
            return Png.read(p);
        } catch (IOException e) {
            throw new UsageException("--init-img: " + e.getMessage());
        }
    }
}
