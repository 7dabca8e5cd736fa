package dev.diffusion4j.vae;

/**
 * Pillow's {@code Image.resize(size, LANCZOS)} on 8-bit channels, what diffusers' VaeImageProcessor resizes images
 * and masks with: a separable 3-lobe Lanczos filter widened by the downscale factor, coefficients normalised per
 * output pixel and rounded to 22-bit fixed point, the horizontal pass first, each pass rounding to 8 bits.
 */
final class LanczosResize {

    private static final int PRECISION_BITS = 32 - 8 - 2;
    private static final double SUPPORT = 3.0;

    private LanczosResize() {}

    /** Resizes interleaved {@code channels}-per-pixel bytes from {@code w}×{@code h} to {@code outW}×{@code outH}. */
    static byte[] resize(byte[] pixels, int channels, int w, int h, int outW, int outH) {
        byte[] horizontal = outW == w ? pixels : pass(pixels, channels, w, h, outW, true);
        return outH == h ? horizontal : pass(horizontal, channels, outW, h, outH, false);
    }

    /** One pass along x ({@code alongX}) or y, from {@code inSize} to {@code outSize} samples. */
    private static byte[] pass(byte[] in, int channels, int w, int h, int outSize, boolean alongX) {
        int inSize = alongX ? w : h;
        int outW = alongX ? outSize : w;
        int outH = alongX ? h : outSize;
        double scale = (double) inSize / outSize;
        double filterScale = Math.max(scale, 1.0);
        double support = SUPPORT * filterScale;
        byte[] out = new byte[outW * outH * channels];
        for (int o = 0; o < outSize; o++) {
            double center = (o + 0.5) * scale;
            int min = Math.max((int) (center - support + 0.5), 0);
            int count = Math.min((int) (center + support + 0.5), inSize) - min;
            double[] k = new double[count];
            double sum = 0;
            for (int i = 0; i < count; i++) {
                k[i] = lanczos((i + min - center + 0.5) / filterScale);
                sum += k[i];
            }
            int[] fixed = new int[count];
            for (int i = 0; i < count; i++) {
                double v = sum != 0 ? k[i] / sum : k[i];
                fixed[i] = (int) (v < 0 ? -0.5 + v * (1 << PRECISION_BITS) : 0.5 + v * (1 << PRECISION_BITS));
            }
            int lines = alongX ? h : w;
            for (int line = 0; line < lines; line++) {
                for (int c = 0; c < channels; c++) {
                    int acc = 1 << (PRECISION_BITS - 1);
                    for (int i = 0; i < count; i++) {
                        int at = alongX ? (line * w + min + i) : ((min + i) * w + line);
                        acc += (in[at * channels + c] & 0xff) * fixed[i];
                    }
                    int dst = alongX ? (line * outW + o) : (o * outW + line);
                    out[dst * channels + c] = (byte) clip8(acc);
                }
            }
        }
        return out;
    }

    /** Pillow's clip8: the fixed-point sum shifted down to 8 bits and clamped. */
    private static int clip8(int acc) {
        return Math.min(255, Math.max(0, acc >> PRECISION_BITS));
    }

    private static double lanczos(double x) {
        return -SUPPORT <= x && x < SUPPORT ? sinc(x) * sinc(x / SUPPORT) : 0.0;
    }

    private static double sinc(double x) {
        if (x == 0.0) {
            return 1.0;
        }
        double px = x * Math.PI;
        return Math.sin(px) / px;
    }
}
