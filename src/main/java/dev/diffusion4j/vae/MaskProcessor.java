package dev.diffusion4j.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.diffusion4j.io.Png;
import dev.diffusion4j.tensor.Tensors;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;

/**
 * diffusers' inpainting image and mask processors ({@code VaeImageProcessor} with Lanczos resizing; the mask one with
 * {@code do_normalize=False, do_binarize=True, do_convert_grayscale=True}): an image of another size is resized with
 * Pillow's Lanczos filter, a mask is resized, converted to grey, scaled to [0, 1] and binarised at 0.5 (white =
 * repaint).
 */
public final class MaskProcessor {

    private MaskProcessor() {}

    /** The mask as (1, 1, h, w) float32 zeros and ones. */
    public static NDArray preprocessMask(NDManager m, BufferedImage mask, int w, int h) {
        byte[] grey;
        int mw = mask.getWidth();
        int mh = mask.getHeight();
        if (mask.getRaster().getNumBands() == 1 && !(mask.getColorModel() instanceof IndexColorModel)) {
            // a grey PNG's samples as stored: BufferedImage.getRGB would re-encode them from linear grey to sRGB
            grey = greySamples(mask.getRaster(), mask.getColorModel().getComponentSize(0));
            if (mw != w || mh != h) {
                grey = LanczosResize.resize(grey, 1, mw, mh, w, h);
            }
        } else {
            byte[] rgb = Png.toRgb(mask);
            if (mw != w || mh != h) {
                rgb = LanczosResize.resize(rgb, 3, mw, mh, w, h);
            }
            grey = luma(rgb);
        }
        float[] out = new float[w * h];
        for (int i = 0; i < out.length; i++) {
            out[i] = (grey[i] & 0xff) / 255f < 0.5f ? 0f : 1f;
        }
        return Tensors.of(m, out, new Shape(1, 1, h, w));
    }

    /** The image resized to {@code w}×{@code h} as diffusers' image processor does, or itself at that size. */
    public static BufferedImage resize(BufferedImage image, int w, int h) {
        if (image.getWidth() == w && image.getHeight() == h) {
            return image;
        }
        return Png.rgb(LanczosResize.resize(Png.toRgb(image), 3, image.getWidth(), image.getHeight(), w, h), w, h);
    }

    /**
     * Pillow's RGB → L conversion, ITU-R 601-2 luma in 16-bit fixed point: {@code (R·19595 + G·38470 + B·7471 +
     * 0x8000) >> 16}.
     */
    static byte[] luma(byte[] rgb) {
        byte[] out = new byte[rgb.length / 3];
        for (int i = 0; i < out.length; i++) {
            int r = rgb[3 * i] & 0xff;
            int g = rgb[3 * i + 1] & 0xff;
            int b = rgb[3 * i + 2] & 0xff;
            out[i] = (byte) ((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16);
        }
        return out;
    }

    private static byte[] greySamples(Raster raster, int bits) {
        int w = raster.getWidth();
        int h = raster.getHeight();
        byte[] out = new byte[w * h];
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            raster.getSamples(0, y, w, 1, 0, row);
            for (int x = 0; x < w; x++) {
                out[y * w + x] = (byte) (bits > 8 ? row[x] >> (bits - 8) : bits < 8 ? row[x] * 255 / ((1 << bits) - 1)
                        : row[x]);
            }
        }
        return out;
    }
}
