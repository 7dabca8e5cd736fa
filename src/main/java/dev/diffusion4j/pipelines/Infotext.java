package dev.diffusion4j.pipelines;

import java.util.ArrayList;
import java.util.List;

/**
 * The AUTOMATIC1111 "parameters" text stored in output PNGs:
 * {@code prompt\nNegative prompt: ...\nSteps: 20, Sampler: Euler a, CFG scale: 7.5, Seed: 42, Size: 512x512, ...}.
 */
public final class Infotext {

    private Infotext() {}

    /** The text for image {@code index} of a result. */
    public static String of(GenerationRequest r, GenerationResult result, String model, int index) {
        int promptIndex = index / r.imagesPerPrompt();
        StringBuilder sb = new StringBuilder(r.prompts().get(promptIndex));
        if (!r.negativePrompts().isEmpty() && !r.negativePrompts().get(promptIndex).isEmpty()) {
            sb.append("\nNegative prompt: ").append(r.negativePrompts().get(promptIndex));
        }
        SdxlConditions xl = r.sdxl();
        if (!xl.prompts2().isEmpty()) {
            sb.append("\nPrompt 2: ").append(xl.prompts2().get(promptIndex));
        }
        if (!xl.negativePrompts2().isEmpty()) {
            sb.append("\nNegative prompt 2: ").append(xl.negativePrompts2().get(promptIndex));
        }
        List<String> kv = new ArrayList<>();
        kv.add("Steps: " + r.steps());
        kv.add("Sampler: " + result.sampler());
        kv.add("CFG scale: " + trim(r.guidanceScale()));
        if (r.guidanceRescale() > 0) {
            kv.add("CFG Rescale φ: " + trim(r.guidanceRescale())); // the key of A1111's CFG-rescale extension
        }
        kv.add("Seed: " + Long.toUnsignedString(result.seed()));
        kv.add("Size: " + result.width() + "x" + result.height());
        kv.add("Model: " + model);
        // SDXL's size conditioning: A1111 conditions on the output size and records nothing for it; other values
        // are written only when given
        if (xl.originalWidth() > 0) {
            kv.add("Original size: " + xl.originalWidth() + "x" + xl.originalHeight());
        }
        if (xl.targetWidth() > 0) {
            kv.add("Target size: " + xl.targetWidth() + "x" + xl.targetHeight());
        }
        if (xl.cropLeft() != 0 || xl.cropTop() != 0) {
            kv.add("Crop top left: \"" + xl.cropLeft() + "," + xl.cropTop() + "\"");
        }
        if (r.initImage() != null) {
            kv.add("Denoising strength: " + trim(r.strength()));
        }
        if (r.clipSkip() > 0) {
            kv.add("Clip skip: " + (r.clipSkip() + 1));
        }
        if (r.batchSize() > 1) {
            kv.add("Batch size: " + r.batchSize());
            kv.add("Batch pos: " + index);
        }
        kv.add("RNG: CPU");
        kv.add("Version: diffusion4j");
        return sb.append('\n').append(String.join(", ", kv)).toString();
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
