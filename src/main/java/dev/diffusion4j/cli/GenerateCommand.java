package dev.diffusion4j.cli;

import ai.djl.ndarray.types.DataType;
import dev.diffusion4j.adapters.Lora;
import dev.diffusion4j.io.Png;
import dev.diffusion4j.models.LoadOptions;
import dev.diffusion4j.models.ModelFamily;
import dev.diffusion4j.models.ModelSpec;
import dev.diffusion4j.pipelines.GenerationListener;
import dev.diffusion4j.pipelines.GenerationRequest;
import dev.diffusion4j.pipelines.GenerationResult;
import dev.diffusion4j.pipelines.Infotext;
import dev.diffusion4j.pipelines.MemoryBudget;
import dev.diffusion4j.pipelines.StableDiffusion;
import dev.diffusion4j.tensor.Engines;
import dev.diffusion4j.tensor.Precision;
import dev.diffusion4j.text.PromptSyntax;
import dev.diffusion4j.vae.VaeTiling;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code d4j generate}: txt2img / img2img / inpainting with option names from stable-diffusion.cpp and A1111. */
@Command(name = "generate", description = "Generate images from a prompt (txt2img), from an init image (img2img), or repaint "
        + "the masked part of one (inpainting).")
final class GenerateCommand implements Callable<Integer> {

    @Option(names = {"-m", "--model"}, description = "Diffusers folder, Hugging Face repo id in the local cache, or "
            + "single file (.safetensors, .ckpt, .pt, .pth; default: the built-in model).")
    String model;

    @Mixin
    SingleFileOptions singleFile;

    @Option(names = "--vae", description = "Replace the model's VAE with a standalone VAE file (original or diffusers "
            + "layout).")
    Path vae;

    @Option(names = {"-p", "--prompt"}, required = true, description = "What to draw.")
    String prompt;

    @Option(names = {"-n", "--negative-prompt"}, description = "What to avoid.")
    String negativePrompt;

    @Option(names = "--prompt-2", description = "SDXL: the prompt of the second text encoder (default: the prompt).")
    String prompt2;

    @Option(names = "--negative-prompt-2", description = "SDXL: the negative prompt of the second text encoder "
            + "(default: the negative prompt).")
    String negativePrompt2;

    @Option(names = "--original-size", paramLabel = "W,H", description = "SDXL: original_size conditioning "
            + "(default: the output size).")
    String originalSize;

    @Option(names = "--target-size", paramLabel = "W,H", description = "SDXL: target_size conditioning "
            + "(default: the output size).")
    String targetSize;

    @Option(names = "--crop-top-left", paramLabel = "X,Y", description = "SDXL: crops_coords_top_left conditioning "
            + "(default: 0,0).")
    String cropTopLeft;

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

    @Option(names = {"-i", "--init-img"}, description = "Init image for img2img or inpainting.")
    Path initImage;

    @Option(names = "--mask", description = "Inpainting mask for --init-img: white = repaint, black = keep.")
    Path mask;

    @Option(names = "--strength", description = "img2img / inpainting strength in (0, 1] (default: 0.75); needs "
            + "--init-img.")
    Double strength;

    @Option(names = "--max-pixels", description = "Refuse requests of more pixels than this, width × height × "
            + "images (default: 2048 × 2048 = 4194304); the memory a request needs is also checked against what is "
            + "free.")
    Long maxPixels;

    @Option(names = "--clip-skip", defaultValue = "1", description = "Text-encoder layer to condition on, counted "
            + "from the end as A1111 and sd.cpp do: 1 = the last (default), 2 = the penultimate, ...")
    int clipSkip;

    @Option(names = "--prompt-syntax", defaultValue = "a1111", description = "a1111 (default: (word:1.2), [word], "
            + "BREAK, prompts past 75 tokens, <lora:NAME:W> tags) or plain (diffusers: literal text cut at 77 tokens).")
    String promptSyntax;

    @Option(names = "--lora", paramLabel = "FILE[:WEIGHT]", description = "Merge a LoRA (kohya, LoCon or diffusers "
            + "PEFT file) at WEIGHT (default 1); repeatable.")
    List<String> loras = new ArrayList<>();

    @Option(names = "--lora-dir", paramLabel = "DIR", description = "Where <lora:NAME:WEIGHT> prompt tags find NAME.")
    Path loraDir;

    @Option(names = "--embeddings-dir", paramLabel = "DIR", description = "Textual-inversion embeddings, triggered by "
            + "their file names (default: an 'embeddings' folder beside the model, if there is one).")
    Path embeddingsDir;

    @Option(names = {"-o", "--output"}, defaultValue = "output.png", description = "Output PNG (default: ${DEFAULT-VALUE}); "
            + "a batch writes NAME.png, NAME_1.png, ...")
    Path output;

    @Option(names = {"-t", "--threads"}, description = "libtorch threads (default: one for tiny latents such as the "
            + "built-in model's at 64x64, where it is faster; else all cores); at most 4 × the cores.")
    Integer threads;

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
        MemoryBudget budget = budget();
        if (strength != null && initImage == null) {
            throw new UsageException("--strength needs --init-img (it is img2img's and inpainting's denoising strength)");
        }
        int threadCount = TrainingCli.threads(threads);
        BufferedImage init = initImage == null ? null : readImage("--init-img", initImage, budget);
        BufferedImage maskImage = mask == null ? null : readImage("--mask", mask, budget);
        if (clipSkip < 1) {
            throw new UsageException("--clip-skip " + clipSkip + ": must be >= 1 (1 = the last layer)");
        }
        GenerationRequest request;
        try {
            GenerationRequest.Builder b = GenerationRequest.builder(prompt);
            sdxlOptions(b);
            b.negativePrompt(negativePrompt).size(width, height).steps(steps)
                    .guidanceScale(cfgScale).guidanceRescale(guidanceRescale).sampler(sampler).schedule(schedule)
                    .timestepSpacing(timestepSpacing).seed(seed).imagesPerPrompt(batch)
                    .initImage(init, strength == null ? 0.75 : strength).clipSkip(clipSkip - 1).mask(maskImage)
                    .promptSyntax(PromptSyntax.parse(promptSyntax))
                    .embeddingsDir(embeddingsDir != null ? embeddingsDir : besideModel(model)).loraDir(loraDir);
            loras.forEach(l -> b.lora(Lora.parse(l)));
            request = b.build();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        Path parent = output.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw new UsageException("output folder does not exist: " + parent);
        }
        ModelSpec spec = singleFile.open(model, vae);
        if (spec.family() != ModelFamily.SDXL && !sdxlFlags().isEmpty()) {
            throw new UsageException(String.join(", ", sdxlFlags()) + ": SDXL only; " + spec.name() + " is "
                    + spec.family().displayName());
        }
        if (spec.family() == ModelFamily.INPAINTING && maskImage == null) {
            throw new UsageException(spec.name() + " is an inpainting model: give --init-img and --mask");
        }
        int layers = spec.textEncoder().numHiddenLayers();
        if (clipSkip > layers) {
            throw new UsageException("--clip-skip " + clipSkip + ": the text encoder has only " + layers + " layers");
        }
        try {
            request = request.resolve(spec.nativeSize(), spec.vaeScaleFactor());
            budget.check(request, spec);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        // loading starts libtorch while another thread parses the tokenizer
        Engines.configure(threadCount > 0 ? threadCount : StableDiffusion.suggestedThreads(spec, request));
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
            result.warnings().forEach(w -> System.err.println("d4j: warning: " + w));
            List<Path> written = write(sd, request, result);
            if (seed < 0) {
                System.err.println("seed: " + Long.toUnsignedString(result.seed()));
            }
            written.forEach(p -> System.out.println(p.toAbsolutePath()));
        }
        return 0;
    }

    /** The SDXL conditioning flags, parsed into the builder. */
    private void sdxlOptions(GenerationRequest.Builder b) {
        b.prompt2(prompt2).negativePrompt2(negativePrompt2);
        if (originalSize != null) {
            IntPair p = IntPair.parse("--original-size", "W,H", originalSize);
            b.originalSize(p.first(), p.second());
        }
        if (targetSize != null) {
            IntPair p = IntPair.parse("--target-size", "W,H", targetSize);
            b.targetSize(p.first(), p.second());
        }
        if (cropTopLeft != null) {
            IntPair p = IntPair.parse("--crop-top-left", "X,Y", cropTopLeft);
            b.cropTopLeft(p.first(), p.second());
        }
    }

    /** The SDXL-only flags given on the command line. */
    private List<String> sdxlFlags() {
        List<String> given = new ArrayList<>();
        if (prompt2 != null) given.add("--prompt-2");
        if (negativePrompt2 != null) given.add("--negative-prompt-2");
        if (originalSize != null) given.add("--original-size");
        if (targetSize != null) given.add("--target-size");
        if (cropTopLeft != null) given.add("--crop-top-left");
        return given;
    }

    /**
     * Writes every image; when one fails (a full disk), says exactly which files were written before it and which
     * were not, so nothing half-done passes for a result.
     */
    private List<Path> write(StableDiffusion sd, GenerationRequest request, GenerationResult result) throws IOException {
        List<Path> paths = new ArrayList<>();
        String file = output.getFileName() == null ? "" : output.getFileName().toString();
        String stem = file.toLowerCase(Locale.ROOT).endsWith(".png") ? file.substring(0, file.length() - 4) : file;
        int n = result.images().size();
        for (int i = 0; i < n; i++) {
            Path p = i == 0 ? output : output.resolveSibling(stem + "_" + i + ".png");
            try {
                Png.write(p, result.images().get(i), Map.of("parameters", Infotext.of(request, result, sd.name(), i)));
            } catch (IOException e) {
                String done = paths.isEmpty() ? "no image was written" : "written: " + paths.stream()
                        .map(Path::toString).collect(Collectors.joining(", "));
                throw new IOException(e.getMessage() + " (image " + (i + 1) + " of " + n + "; " + done + ")", e);
            }
            paths.add(p);
        }
        return paths;
    }

    private MemoryBudget budget() {
        try {
            return new MemoryBudget(maxPixels == null ? MemoryBudget.DEFAULT_MAX_PIXELS : maxPixels);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--max-pixels: " + e.getMessage());
        }
    }


    /** The default embeddings folder: {@code embeddings/} beside a model given as a path, if there is one. */
    private static Path besideModel(String model) {
        if (model == null || !Files.exists(Path.of(model))) {
            return null;
        }
        Path parent = Path.of(model).toAbsolutePath().getParent();
        Path candidate = parent == null ? null : parent.resolve("embeddings");
        return candidate != null && Files.isDirectory(candidate) ? candidate : null;
    }

    /** An init image or mask, refused from its header when larger than the pixel limit, before decoding. */
    private static BufferedImage readImage(String option, Path p, MemoryBudget budget) {
        try {
            return Png.read(p, budget.maxPixels());
        } catch (IOException e) {
            throw new UsageException(option + ": " + e.getMessage());
        }
    }
}
