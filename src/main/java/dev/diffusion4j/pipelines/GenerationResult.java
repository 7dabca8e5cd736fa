package dev.diffusion4j.pipelines;

import java.awt.image.BufferedImage;
import java.util.List;

/**
 * The images of one generation, in order prompt-major (prompt 0's images first), with the seed actually used and
 * the float pixels (B, H, W, 3) in [0, 1] before 8-bit rounding; {@code sampler} is A1111's display name.
 */
public record GenerationResult(List<BufferedImage> images, long seed, float[] pixels, int width, int height,
                               String sampler) {}
