package dev.diffusion4j.eval;

import java.awt.image.BufferedImage;
import java.util.Random;

/** Makes a render look more like a generated image: Gaussian blur, then uniform per-channel noise. */
final class Degrade {

    private Degrade() {}

    static BufferedImage blurAndNoise(BufferedImage image, double sigma, int noise, Random random) {
        int w = image.getWidth();
        int h = image.getHeight();
        int radius = (int) Math.ceil(3 * sigma);
        double[] kernel = new double[2 * radius + 1];
        double sum = 0;
        for (int i = -radius; i <= radius; i++) {
            kernel[i + radius] = Math.exp(-i * i / (2 * sigma * sigma));
            sum += kernel[i + radius];
        }
        for (int i = 0; i < kernel.length; i++) {
            kernel[i] /= sum;
        }
        double[][] channels = new double[3][w * h];
        int[] rgb = image.getRGB(0, 0, w, h, null, 0, w);
        for (int i = 0; i < rgb.length; i++) {
            channels[0][i] = rgb[i] >> 16 & 0xFF;
            channels[1][i] = rgb[i] >> 8 & 0xFF;
            channels[2][i] = rgb[i] & 0xFF;
        }
        for (int c = 0; c < 3; c++) {
            channels[c] = convolve(convolve(channels[c], w, h, kernel, true), w, h, kernel, false);
        }
        int[] noisy = new int[rgb.length];
        for (int i = 0; i < rgb.length; i++) {
            int pixel = 0;
            for (int c = 0; c < 3; c++) {
                long v = Math.round(channels[c][i]) + random.nextInt(2 * noise + 1) - noise;
                pixel = pixel << 8 | (int) Math.max(0, Math.min(255, v));
            }
            noisy[i] = pixel;
        }
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        out.setRGB(0, 0, w, h, noisy, 0, w);
        return out;
    }

    /** One pass of a separable blur; the border is extended by clamping. */
    private static double[] convolve(double[] in, int w, int h, double[] kernel, boolean horizontal) {
        int radius = kernel.length / 2;
        double[] out = new double[in.length];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double acc = 0;
                for (int k = -radius; k <= radius; k++) {
                    int sx = horizontal ? Math.max(0, Math.min(w - 1, x + k)) : x;
                    int sy = horizontal ? y : Math.max(0, Math.min(h - 1, y + k));
                    acc += kernel[k + radius] * in[sy * w + sx];
                }
                out[y * w + x] = acc;
            }
        }
        return out;
    }
}
