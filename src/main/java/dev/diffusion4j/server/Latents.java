package dev.diffusion4j.server;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.diffusion4j.io.Png;
import dev.diffusion4j.pipelines.StableDiffusion;
import dev.diffusion4j.vae.VaeImageProcessor;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Latents copied out of a running generation, turned into pictures: decoded by the VAE for the partial result of an
 * interrupted run (what A1111 returns) and for previews of small latents, else approximated for previews.
 *
 * @param values (B, C, H, W) float32
 */
record Latents(float[] values, Shape shape) {

    /** Latent cells up to which a preview is a real VAE decode: the built-in model's 8×8 costs a few ms. */
    static final long DECODED_PREVIEW_CELLS = 16 * 16;

    static Latents copy(NDArray latents) {
        return new Latents(latents.toType(DataType.FLOAT32, false).toFloatArray(), latents.getShape());
    }

    /** The VAE's images of these latents, exactly as the pipeline decodes its final ones. */
    List<BufferedImage> decode(StableDiffusion sd) {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray z = m.create(values, shape).toType(sd.options().dtype(), false);
            NDArray decoded = sd.vae().decode(z.div(sd.vae().config().scalingFactor()));
            return VaeImageProcessor.images(decoded);
        }
    }

    /** A preview of the first image, as PNG bytes. */
    byte[] preview(StableDiffusion sd) throws IOException {
        long cells = shape.get(2) * shape.get(3);
        BufferedImage img = cells <= DECODED_PREVIEW_CELLS ? first(sd) : approximate(sd.vaeScaleFactor());
        return Png.encode(img, Map.of());
    }

    private BufferedImage first(StableDiffusion sd) {
        Latents one = new Latents(Arrays.copyOf(values, (int) (shape.size() / shape.get(0))),
                new Shape(1, shape.get(1), shape.get(2), shape.get(3)));
        return one.decode(sd).get(0);
    }

    /**
     * A linear map of the four SD latent channels to RGB (the factors A1111's "Approx cheap" preview uses for SD 1.x
     * and 2.x), upscaled by repetition: no VAE call, so a preview of a 512×512 run costs no time.
     */
    private BufferedImage approximate(int scale) {
        int c = (int) shape.get(1);
        int h = (int) shape.get(2);
        int w = (int) shape.get(3);
        BufferedImage img = new BufferedImage(w * scale, h * scale, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double[] rgb = new double[3];
                for (int ch = 0; ch < Math.min(c, 4); ch++) {
                    double v = values[(ch * h + y) * w + x];
                    for (int k = 0; k < 3; k++) {
                        rgb[k] += v * CHEAP[ch][k];
                    }
                }
                int p = 0;
                for (int k = 0; k < 3; k++) {
                    int b = (int) Math.max(0, Math.min(255, Math.round((rgb[k] + 1) * 127.5)));
                    p = (p << 8) | b;
                }
                for (int dy = 0; dy < scale; dy++) {
                    for (int dx = 0; dx < scale; dx++) {
                        img.setRGB(x * scale + dx, y * scale + dy, p);
                    }
                }
            }
        }
        return img;
    }

    private static final double[][] CHEAP = {
        {0.298, 0.207, 0.208},
        {0.187, 0.286, 0.173},
        {-0.158, 0.189, 0.264},
        {-0.184, -0.271, -0.473},
    };
}
