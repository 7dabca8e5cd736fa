package dev.diffusion4j.pipelines;

import java.awt.image.BufferedImage;
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
}
