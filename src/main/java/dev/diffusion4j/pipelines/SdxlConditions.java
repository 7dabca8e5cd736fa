package dev.diffusion4j.pipelines;

import java.util.List;

/**
 * What an SDXL generation takes beside an SD 1.x/2.x request (diffusers' StableDiffusionXLPipeline arguments):
 * second prompts for the OpenCLIP encoder, and the size and crop micro-conditioning of Podell et al. 2023 § 2.2,
 * which the UNet receives as the time ids {@code (orig_h, orig_w, crop_top, crop_left, target_h, target_w)}.
 *
 * @param prompts2 one per prompt ({@code prompt_2}), or empty: the prompts themselves
 * @param negativePrompts2 one per prompt ({@code negative_prompt_2}), or empty: the negative prompts themselves
 * @param originalWidth {@code original_size}'s width; 0 (with {@code originalHeight} 0) = the output size
 * @param originalHeight {@code original_size}'s height
 * @param targetWidth {@code target_size}'s width; 0 (with {@code targetHeight} 0) = the output size
 * @param targetHeight {@code target_size}'s height
 * @param cropLeft {@code crops_coords_top_left}'s left coordinate
 * @param cropTop {@code crops_coords_top_left}'s top coordinate
 */
public record SdxlConditions(List<String> prompts2, List<String> negativePrompts2, int originalWidth,
                             int originalHeight, int targetWidth, int targetHeight, int cropLeft, int cropTop) {

    /** diffusers' defaults: the same prompts, the output size as original and target size, no crop. */
    public static final SdxlConditions DEFAULTS = new SdxlConditions(List.of(), List.of(), 0, 0, 0, 0, 0, 0);

    /** Largest size or crop coordinate accepted (the ids are conditioning values, not pixels to allocate). */
    static final int MAX_COORDINATE = 65536;

    public SdxlConditions {
        prompts2 = List.copyOf(prompts2);
        negativePrompts2 = List.copyOf(negativePrompts2);
        pair("original size", originalWidth, originalHeight);
        pair("target size", targetWidth, targetHeight);
        if (cropLeft < 0 || cropTop < 0 || cropLeft > MAX_COORDINATE || cropTop > MAX_COORDINATE) {
            throw new IllegalArgumentException("crop top-left " + cropLeft + "," + cropTop + " must be in [0, "
                    + MAX_COORDINATE + "]");
        }
    }

    private static void pair(String what, int w, int h) {
        if ((w == 0) != (h == 0) || w < 0 || h < 0 || w > MAX_COORDINATE || h > MAX_COORDINATE) {
            throw new IllegalArgumentException(what + " " + w + "x" + h + " must be two positive numbers up to "
                    + MAX_COORDINATE + " (or neither)");
        }
    }

    /** Whether every value is diffusers' default. */
    public boolean isDefault() {
        return equals(DEFAULTS);
    }

    /** Whether the size and crop values are the defaults (prompts aside). */
    boolean defaultSizes() {
        return originalWidth == 0 && targetWidth == 0 && cropLeft == 0 && cropTop == 0;
    }

    /** diffusers' {@code _get_add_time_ids} for an output of {@code width × height}. */
    float[] timeIds(int width, int height) {
        return new float[] {
            originalHeight > 0 ? originalHeight : height, originalWidth > 0 ? originalWidth : width,
            cropTop, cropLeft,
            targetHeight > 0 ? targetHeight : height, targetWidth > 0 ? targetWidth : width};
    }
}
