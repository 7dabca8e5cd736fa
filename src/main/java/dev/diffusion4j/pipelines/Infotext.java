package dev.diffusion4j.pipelines;

import java.math.BigDecimal;
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
        result.parameters().forEach((k, v) -> kv.add(k + ": " + quote(v)));
        if (r.batchSize() > 1) {
            kv.add("Batch size: " + r.batchSize());
            kv.add("Batch pos: " + index);
        }
        List<String> warnings = result.warnings().stream()
                .filter(w -> w.startsWith("image " + index + ":")).toList();
        if (!warnings.isEmpty()) {
            kv.add("Warning: " + quote(warnings.get(0).substring(warnings.get(0).indexOf(':') + 2)));
        }
        kv.add("RNG: CPU");
        kv.add("Version: diffusion4j");
        return sb.append('\n').append(String.join(", ", kv)).toString();
    }

    /** A1111's {@code quote}: a value with a comma, colon or newline is written as a JSON string. */
    static String quote(String v) {
        if (v.indexOf(',') < 0 && v.indexOf(':') < 0 && v.indexOf('\n') < 0) {
            return v;
        }
        StringBuilder sb = new StringBuilder("\"");
        for (char c : v.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                default -> sb.append(c);
            }
        }
        return sb.append('"').toString();
    }

    /**
     * A number as the infotext shows it: integers without a fraction ("7"), others as Python prints floats ("7.5",
     * "1e+30", "1e-05"), never a value the number does not have.
     */
    static String trim(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e16) {
            return Long.toString((long) v);
        }
        String java = Double.toString(v); // the shortest digits that round-trip, as Python's repr
        int e = java.indexOf('E');
        double a = Math.abs(v);
        if (e < 0 || !Double.isFinite(v)) {
            return java.equals("Infinity") ? "inf" : java.equals("-Infinity") ? "-inf" : java.equals("NaN") ? "nan" : java;
        }
        if (a >= 1e-4 && a < 1e16) { // Python writes these without an exponent
            return new BigDecimal(java).stripTrailingZeros().toPlainString();
        }
        String mantissa = java.substring(0, e);
        if (mantissa.endsWith(".0")) {
            mantissa = mantissa.substring(0, mantissa.length() - 2);
        }
        int exponent = Integer.parseInt(java.substring(e + 1));
        return mantissa + "e" + (exponent < 0 ? "-" : "+") + String.format("%02d", Math.abs(exponent));
    }
}
