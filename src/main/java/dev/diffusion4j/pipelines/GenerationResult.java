package dev.diffusion4j.pipelines;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The images of one generation, in order prompt-major (prompt 0's images first), with the seed actually used and
 * the float pixels (B, H, W, 3) in [0, 1] before 8-bit rounding; {@code sampler} is A1111's display name;
 * {@code parameters} are further infotext entries the run produced ("TI hashes", "Lora hashes"), in order.
 */
public record GenerationResult(List<BufferedImage> images, long seed, float[] pixels, int width, int height,
                               String sampler, Map<String, String> parameters) {

    public GenerationResult {
        parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    }

    public GenerationResult(List<BufferedImage> images, long seed, float[] pixels, int width, int height,
                            String sampler) {
        this(images, seed, pixels, width, height, sampler, Map.of());
    }

    /**
     * What is visibly wrong with the pixels, one line each: non-finite values (NaN/Inf weights, a scaling factor of 0,
     * betas out of order — they decode to black, silently) or an image of one flat colour. Empty when all is well.
     */
    public List<String> warnings() {
        List<String> out = new ArrayList<>();
        if (pixels == null) {
            return out; // a partial result made from preview latents carries images only
        }
        int image = width * height * 3;
        for (int b = 0; image > 0 && b < pixels.length / image; b++) {
            int nonFinite = 0;
            float min = Float.POSITIVE_INFINITY;
            float max = Float.NEGATIVE_INFINITY;
            for (int i = b * image; i < (b + 1) * image; i++) {
                float v = pixels[i];
                if (!Float.isFinite(v)) {
                    nonFinite++;
                } else {
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
            }
            if (nonFinite > 0) {
                out.add("image " + b + ": " + nonFinite + " of " + image + " values are not finite (NaN or infinite "
                        + "weights or latents?)");
            } else if (max - min < 1f / 255) {
                out.add("image " + b + ": a single flat colour (value " + min + ")");
            }
        }
        return out;
    }
}
