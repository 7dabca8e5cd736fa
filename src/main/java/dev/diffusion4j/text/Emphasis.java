package dev.diffusion4j.text;

/**
 * A1111's "Original" emphasis ({@code modules/sd_emphasis.py}, {@code EmphasisOriginal.after_transformers}): the
 * text encoder's output for one chunk is multiplied per token by its attention weight, then scaled back so the mean
 * over all its elements is what it was before:
 * {@code z' = z * m; z'' = z' * (mean(z) / mean(z'))}. A1111 rescales each chunk on its own (the chunks of all
 * prompts of a batch together, which for one prompt is the same thing).
 */
public final class Emphasis {

    private Emphasis() {}

    /**
     * Weights one chunk's encoder output. Arithmetic is float32 as in torch: the multipliers are rounded to float
     * (A1111 makes a float32 tensor of them), products and the final ratio are float. Each mean is summed in double
     * and rounded to float once; torch's float32 reduction sums in a different order, so a mean can differ from
     * torch's by about one float ulp, and every output element then by the same relative amount.
     *
     * @param z the encoder output, {@code multipliers.length} rows of {@code channels} values, row-major
     * @param multipliers one weight per token position ({@link PromptChunk#multipliers()})
     * @return a new array of the weighted, rescaled values
     */
    public static float[] applyMultipliers(float[] z, double[] multipliers, int channels) {
        if (channels < 1 || (long) multipliers.length * channels != z.length) {
            throw new IllegalArgumentException("z has " + z.length + " values, not " + multipliers.length
                    + " tokens x " + channels + " channels");
        }
        float originalMean = mean(z);
        float[] out = new float[z.length];
        for (int t = 0; t < multipliers.length; t++) {
            float m = (float) multipliers[t];
            for (int c = t * channels; c < (t + 1) * channels; c++) {
                out[c] = z[c] * m;
            }
        }
        float ratio = originalMean / mean(out);
        for (int i = 0; i < out.length; i++) {
            out[i] *= ratio;
        }
        return out;
    }

    private static float mean(float[] values) {
        double sum = 0;
        for (float v : values) {
            sum += v;
        }
        return (float) (sum / values.length);
    }
}
