package dev.diffusion4j.pipelines;

import dev.diffusion4j.schedulers.Sampler;
import dev.diffusion4j.schedulers.Samplers;
import java.awt.image.BufferedImage;
import java.security.SecureRandom;
import java.util.Collections;
import java.util.List;

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
 * @param clipSkip 0 = last text-encoder layer, 1 = the one before (A1111's "Clip skip: 2"), ...
 * @param mask inpainting: white = repaint, black = keep (binarised at half intensity, resized to the image), or null;
 *     needs {@code initImage}
 */
public record GenerationRequest(List<String> prompts, List<String> negativePrompts, int width, int height, int steps,
                                double guidanceScale, double guidanceRescale, Sampler sampler,
                                long seed, int imagesPerPrompt, BufferedImage initImage, double strength,
                                int clipSkip, BufferedImage mask) {

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
        if (mask != null && initImage == null) {
            throw new IllegalArgumentException("a mask needs an init image to inpaint (--init-img)");
        }
        if (clipSkip < 0) {
            throw new IllegalArgumentException("clip skip must be ≥ 0, got " + clipSkip);
        }
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
        int w = width > 0 ? width : initImage != null ? initImage.getWidth() : nativeSize;
        int h = height > 0 ? height : initImage != null ? initImage.getHeight() : nativeSize;
        if (w % scaleFactor != 0 || h % scaleFactor != 0) {
            throw new IllegalArgumentException("size " + w + "x" + h + " must be a multiple of " + scaleFactor);
        }
        return new GenerationRequest(prompts, negativePrompts, w, h, steps, guidanceScale, guidanceRescale, sampler, s,
                imagesPerPrompt, initImage, strength, clipSkip, mask);
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
        private BufferedImage mask;

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
        public Builder clipSkip(int v) { clipSkip = v; return this; }
        /** Inpainting: white = repaint; needs {@link #initImage}. */
        public Builder mask(BufferedImage v) { mask = v; return this; }

        /** Validates every parameter; the sampler name is parsed here, once. */
        public GenerationRequest build() {
            Sampler parsed = null;
            if (sampler != null) {
                parsed = Samplers.parse(sampler, schedule, timestepSpacing);
            } else if (schedule != null && !schedule.equalsIgnoreCase("discrete") || timestepSpacing != null) {
                throw new IllegalArgumentException("a sigma schedule or timestep spacing needs a sampler: give one of "
                        + String.join(", ", Samplers.names()));
            }
            return new GenerationRequest(prompts, negativePrompts, width, height, steps, guidanceScale, guidanceRescale,
                    parsed, seed, imagesPerPrompt, initImage, strength, clipSkip, mask);
        }
    }
}
