package dev.diffusion4j.pipelines;

import dev.diffusion4j.adapters.Lora;
import dev.diffusion4j.schedulers.Sampler;
import dev.diffusion4j.schedulers.Samplers;
import dev.diffusion4j.text.PromptSyntax;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * Every parameter of one generation. Build with {@link #builder(String...)}; {@link Builder#build()} validates and
 * fails with one message naming the bad parameter.
 *
 * @param negativePrompts one per prompt, or empty for {@code ""} (diffusers' unconditional prompt)
 * @param width pixels, a multiple of 8; 0 = the model's native size
 * @param height pixels, a multiple of 8; 0 = the model's native size
 * @param guidanceScale classifier-free guidance; ≤ 1 runs the UNet on the prompt alone
 * @param guidanceRescale φ of Lin et al. 2023 §3.4 (diffusers' {@code guidance_rescale}): the guided prediction is
 *     rescaled to the conditional one's standard deviation and mixed back with weight φ, which keeps strong guidance
 *     from over-exposing models trained to zero terminal SNR; 0 = off, in [0, 1]
 * @param sampler the sampler, parsed once from its name by the builder ({@link Samplers#parse}), or null for the
 *     model's own scheduler
 * @param seed the generator seed (full unsigned 64-bit range); negative = pick one at random (reported in the result)
 * @param initImage img2img input, or null for txt2img
 * @param strength img2img: fraction of the schedule re-run, in (0, 1]
 * @param clipSkip diffusers' {@code clip_skip}: 0 = last text-encoder layer, 1 = the one before (A1111's and the
 *     CLI's "Clip skip: 2"), ...
 * @param promptSyntax A1111's prompt syntax (the default: emphasis, BREAK, long prompts, {@code <lora:...>} tags) or
 *     diffusers' plain text
 * @param embeddingsDir textual-inversion embeddings triggered by their file stems, or null for none
 * @param loras LoRAs merged for this request, before those of the prompts' {@code <lora:NAME:W>} tags
 * @param loraDir where {@code <lora:NAME:W>} tags find NAME, or null
 * @param mask inpainting: white = repaint, black = keep (binarised at half intensity, resized to the image), or null;
 *     needs {@code initImage}
 * @param sdxl SDXL's second prompts and size/crop conditioning; {@link SdxlConditions#DEFAULTS} for other models
 */
public record GenerationRequest(List<String> prompts, List<String> negativePrompts, int width, int height, int steps,
                                double guidanceScale, double guidanceRescale, Sampler sampler,
                                long seed, int imagesPerPrompt, BufferedImage initImage, double strength,
                                int clipSkip, BufferedImage mask, PromptSyntax promptSyntax, Path embeddingsDir,
                                List<Lora> loras, Path loraDir, SdxlConditions sdxl) {

    public GenerationRequest {
        prompts = List.copyOf(prompts);
        negativePrompts = List.copyOf(negativePrompts);
        if (prompts.isEmpty()) {
            throw new IllegalArgumentException("at least one prompt is required");
        }
        if (!negativePrompts.isEmpty() && negativePrompts.size() != prompts.size()) {
            throw new IllegalArgumentException(negativePrompts.size() + " negative prompts for " + prompts.size()
                    + " prompts: give one per prompt or none");
        }
        if (width < 0 || height < 0 || width % 8 != 0 || height % 8 != 0) {
            throw new IllegalArgumentException("size " + width + "x" + height + " must be positive multiples of 8");
        }
        if (width > 8192 || height > 8192) {
            throw new IllegalArgumentException("size " + width + "x" + height + " exceeds 8192 pixels per side");
        }
        if (steps < 1 || steps > 1000) {
            throw new IllegalArgumentException("steps must be in [1, 1000], got " + steps);
        }
        if (!Double.isFinite(guidanceScale) || guidanceScale < 0) {
            throw new IllegalArgumentException("cfg scale must be a finite number ≥ 0, got " + guidanceScale);
        }
        if (!(guidanceRescale >= 0 && guidanceRescale <= 1)) {
            throw new IllegalArgumentException("guidance rescale must be in [0, 1], got " + guidanceRescale);
        }
        if (imagesPerPrompt < 1 || imagesPerPrompt > 64) {
            throw new IllegalArgumentException("batch must be in [1, 64], got " + imagesPerPrompt);
        }
        if (initImage != null && !(strength > 0 && strength <= 1)) {
            throw new IllegalArgumentException("strength must be in (0, 1], got " + strength);
        }
        if (initImage != null && (int) (steps * strength) < 1) {
            // diffusers' get_timesteps runs min(⌊steps·strength⌋, steps) steps: none at all would return the input
            throw new IllegalArgumentException("strength " + strength + " with " + steps + " steps leaves no denoising "
                    + "step (steps × strength must be ≥ 1); raise --strength or --steps");
        }
        if (mask != null && initImage == null) {
            throw new IllegalArgumentException("a mask needs an init image to inpaint (--init-img)");
        }
        if (clipSkip < 0) {
            throw new IllegalArgumentException("clip skip must be ≥ 0, got " + clipSkip);
        }
        if (sdxl == null) {
            sdxl = SdxlConditions.DEFAULTS;
        }
        if (!sdxl.prompts2().isEmpty() && sdxl.prompts2().size() != prompts.size()
                || !sdxl.negativePrompts2().isEmpty() && sdxl.negativePrompts2().size() != prompts.size()) {
            throw new IllegalArgumentException("second prompts and negative second prompts must be one per prompt ("
                    + prompts.size() + ") or none");
        }
        Objects.requireNonNull(promptSyntax, "promptSyntax");
        loras = List.copyOf(loras);
        for (Lora l : loras) {
            if (!Files.isRegularFile(l.file())) {
                throw new IllegalArgumentException("LoRA file not found: " + l.file());
            }
        }
        if (embeddingsDir != null && !Files.isDirectory(embeddingsDir)) {
            throw new IllegalArgumentException("embeddings folder not found: " + embeddingsDir);
        }
        if (loraDir != null && !Files.isDirectory(loraDir)) {
            throw new IllegalArgumentException("LoRA folder not found: " + loraDir);
        }
    }

    /** Every LoRA this request merges: {@link #loras} and then those its prompts' tags name. */
    public List<Lora> allLoras() {
        return PromptLoras.resolve(this);
    }

    public boolean doClassifierFreeGuidance() {
        return guidanceScale > 1;
    }

    public int batchSize() {
        return prompts.size() * imagesPerPrompt;
    }

    /**
     * This request with its defaults resolved for a model: a random seed picked when none was given, and the size
     * taken from the init image, else the model's native size.
     *
     * @param nativeSize the model's default image side in pixels
     * @param scaleFactor pixels per latent cell: width and height must be multiples of it
     */
    public GenerationRequest resolve(int nativeSize, int scaleFactor) {
        long s = seed >= 0 ? seed : new SecureRandom().nextLong() & Long.MAX_VALUE;
        // without a size, an init image's size rounded down to the latent grid, as diffusers' VaeImageProcessor does
        int w = width > 0 ? width : initImage != null ? initImage.getWidth() / scaleFactor * scaleFactor : nativeSize;
        int h = height > 0 ? height : initImage != null ? initImage.getHeight() / scaleFactor * scaleFactor : nativeSize;
        if (w == 0 || h == 0) {
            throw new IllegalArgumentException("init image " + initImage.getWidth() + "x" + initImage.getHeight()
                    + " is smaller than the model's " + scaleFactor + "-pixel latent cell; give -W/-H or a larger image");
        }
        if (w % scaleFactor != 0 || h % scaleFactor != 0) {
            throw new IllegalArgumentException("size " + w + "x" + h + " must be a multiple of " + scaleFactor);
        }
        return new GenerationRequest(prompts, negativePrompts, w, h, steps, guidanceScale, guidanceRescale, sampler, s,
                imagesPerPrompt, initImage, strength, clipSkip, mask, promptSyntax, embeddingsDir, loras, loraDir, sdxl);
    }

    public static Builder builder(String... prompts) {
        return new Builder(List.of(prompts));
    }

    /** Defaults as sd.cpp / A1111: 20 steps, CFG 7.5, native size, random seed, strength 0.75. */
    public static final class Builder {
        private List<String> prompts;
        private List<String> negativePrompts = List.of();
        private int width;
        private int height;
        private int steps = 20;
        private double guidanceScale = 7.5;
        private double guidanceRescale;
        private String sampler;
        private String schedule;
        private String timestepSpacing;
        private long seed = -1;
        private int imagesPerPrompt = 1;
        private BufferedImage initImage;
        private double strength = 0.75;
        private int clipSkip;
        private String prompt2;
        private String negativePrompt2;
        private int[] originalSize = {0, 0};
        private int[] targetSize = {0, 0};
        private int[] cropTopLeft = {0, 0};
        private BufferedImage mask;
        private PromptSyntax promptSyntax = PromptSyntax.A1111;
        private Path embeddingsDir;
        private final List<Lora> loras = new ArrayList<>();
        private Path loraDir;

        Builder(List<String> prompts) {
            this.prompts = prompts;
        }

        public Builder prompts(List<String> v) { prompts = v; return this; }
        public Builder negativePrompts(List<String> v) { negativePrompts = v; return this; }
        public Builder negativePrompt(String v) {
            negativePrompts = v == null ? List.of() : Collections.nCopies(prompts.size(), v);
            return this;
        }
        public Builder size(int w, int h) { width = w; height = h; return this; }
        public Builder steps(int v) { steps = v; return this; }
        public Builder guidanceScale(double v) { guidanceScale = v; return this; }
        public Builder guidanceRescale(double v) { guidanceRescale = v; return this; }
        public Builder sampler(String v) { sampler = v; return this; }
        /** Sigma schedule: null or "discrete" for the sampler's own, "karras" for Karras sigmas. */
        public Builder schedule(String v) { schedule = v; return this; }
        /** diffusers' timestep spacing ("leading", "linspace", "trailing"), or null for the model's own. */
        public Builder timestepSpacing(String v) { timestepSpacing = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder imagesPerPrompt(int v) { imagesPerPrompt = v; return this; }
        public Builder initImage(BufferedImage v, double s) { initImage = v; strength = s; return this; }
        /** diffusers' numbering: 0 = the last layer, 1 = the penultimate (A1111's "Clip skip: 2"). */
        public Builder clipSkip(int v) { clipSkip = v; return this; }
        /** SDXL: the prompt of the second text encoder (null or empty = the prompt), as diffusers' prompt_2. */
        public Builder prompt2(String v) { prompt2 = v; return this; }
        /** SDXL: the negative prompt of the second text encoder (null or empty = the negative prompt). */
        public Builder negativePrompt2(String v) { negativePrompt2 = v; return this; }
        /** SDXL: the original_size conditioning (0, 0 = the output size). */
        public Builder originalSize(int w, int h) { originalSize = new int[] {w, h}; return this; }
        /** SDXL: the target_size conditioning (0, 0 = the output size). */
        public Builder targetSize(int w, int h) { targetSize = new int[] {w, h}; return this; }
        /** SDXL: crops_coords_top_left, given as x (left), y (top). */
        public Builder cropTopLeft(int x, int y) { cropTopLeft = new int[] {x, y}; return this; }
        /** Inpainting: white = repaint; needs {@link #initImage}. */
        public Builder mask(BufferedImage v) { mask = v; return this; }
        public Builder promptSyntax(PromptSyntax v) { promptSyntax = v; return this; }
        public Builder embeddingsDir(Path v) { embeddingsDir = v; return this; }
        /** Adds a LoRA with one weight for its UNet and text-encoder layers (the name: the file stem). */
        public Builder lora(Path file, double weight) {
            loras.add(new Lora(Lora.stem(file), file, weight, weight));
            return this;
        }
        public Builder lora(Lora v) { loras.add(v); return this; }
        public Builder loraDir(Path v) { loraDir = v; return this; }

        /** Validates every parameter; the sampler name is parsed here, once. */
        public GenerationRequest build() {
            Sampler parsed = null;
            if (sampler != null) {
                parsed = Samplers.parse(sampler, schedule, timestepSpacing);
            } else if (schedule != null && !schedule.equalsIgnoreCase("discrete") || timestepSpacing != null) {
                throw new IllegalArgumentException("a sigma schedule or timestep spacing needs a sampler: give one of "
                        + String.join(", ", Samplers.names()));
            }
            SdxlConditions sdxl = new SdxlConditions(copies(prompt2), copies(negativePrompt2), originalSize[0],
                    originalSize[1], targetSize[0], targetSize[1], cropTopLeft[0], cropTopLeft[1]);
            GenerationRequest r = new GenerationRequest(prompts, negativePrompts, width, height, steps, guidanceScale,
                    guidanceRescale, parsed, seed, imagesPerPrompt, initImage, strength, clipSkip, mask, promptSyntax,
                    embeddingsDir, loras, loraDir, sdxl);
            r.allLoras(); // every <lora:...> tag names a file
            return r;
        }

        private List<String> copies(String v) {
            return v == null || v.isEmpty() ? List.of() : Collections.nCopies(prompts.size(), v);
        }
    }
}
