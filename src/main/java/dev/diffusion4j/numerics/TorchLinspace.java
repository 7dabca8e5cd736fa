package dev.diffusion4j.numerics;

/** torch's float32 {@code linspace} on the CPU, bit for bit (diffusers' scaled_linear betas are built with it). */
public final class TorchLinspace {

    private TorchLinspace() {}

    /**
     * {@code torch.linspace(start, end, steps, dtype=float32)} as torch's AVX2 CPU kernel computes it: the first half
     * counts up from {@code start}, the second down from {@code end}, in vectors of 8 whose base is one fused
     * multiply-add, then the scalar tail (what makes the scaled_linear betas bit-exact to diffusers).
     */
    public static float[] float32(float start, float end, int steps) {
        float[] out = new float[steps];
        if (steps == 1) {
            out[0] = start;
            return out;
        }
        float step = (end - start) / (steps - 1);
        int halfway = steps / 2;
        int vectorised = steps / 16 * 16;
        for (int idx = 0; idx < vectorised; idx += 8) {
            float base = idx < halfway ? Math.fma(step, (float) idx, start)
                    : Math.fma(-step, (float) (steps - idx - 1), end);
            for (int k = 0; k < 8; k++) {
                out[idx + k] = Math.fma((float) k, step, base);
            }
        }
        for (int idx = vectorised; idx < steps; idx++) {
            out[idx] = idx < halfway ? Math.fma(step, (float) idx, start)
                    : Math.fma(-step, (float) (steps - idx - 1), end);
        }
        return out;
    }
}
