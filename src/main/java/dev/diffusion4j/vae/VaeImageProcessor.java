package dev.diffusion4j.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.diffusion4j.io.Png;
import dev.diffusion4j.tensor.Tensors;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

/** diffusers' VaeImageProcessor for RGB: 8-bit pixels ↔ [-1, 1] NCHW tensors. */
public final class VaeImageProcessor {

    private VaeImageProcessor() {}

    /** {@code uint8/255·2−1} as (1, 3, H, W) float32. */
    public static NDArray preprocess(NDManager m, BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        byte[] hwc = Png.toRgb(image);
        float[] chw = new float[3 * w * h];
        for (int i = 0; i < w * h; i++) {
            for (int c = 0; c < 3; c++) {
                chw[c * w * h + i] = (hwc[i * 3 + c] & 0xff) / 255f * 2f - 1f;
            }
        }
        return Tensors.of(m, chw, new Shape(1, 3, h, w));
    }

    /** {@code (x/2 + 0.5).clamp(0, 1)} as (B, H, W, 3) floats, diffusers' {@code output_type="np"}. */
    public static float[] toPixels(NDArray decoded) {
        return decoded.div(2f).add(0.5f).clip(0f, 1f).transpose(0, 2, 3, 1).toType(DataType.FLOAT32, false)
                .toFloatArray();
    }

    /** A decoder's (B, 3, H, W) output in [-1, 1] as 8-bit images, exactly as the pipelines write them. */
    public static List<BufferedImage> images(NDArray decoded) {
        Shape s = decoded.getShape();
        return toImages(toPixels(decoded), (int) s.get(0), (int) s.get(2), (int) s.get(3));
    }

    /** 8-bit images from (B, H, W, 3) pixels: {@code round(x·255)} half to even, as numpy does. */
    public static List<BufferedImage> toImages(float[] pixels, int batch, int height, int width) {
        List<BufferedImage> out = new ArrayList<>();
        int per = height * width * 3;
        for (int b = 0; b < batch; b++) {
            byte[] hwc = new byte[per];
            for (int i = 0; i < per; i++) {
                hwc[i] = (byte) Math.rint(pixels[b * per + i] * 255f);
            }
            out.add(Png.rgb(hwc, width, height));
        }
        return out;
    }
}
