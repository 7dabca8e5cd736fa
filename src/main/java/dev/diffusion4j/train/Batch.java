package dev.diffusion4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.diffusion4j.io.Png;
import dev.diffusion4j.tensor.Tensors;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

/** A training batch: images as (B, 3, H, W) in [-1, 1] and their captions. */
record Batch(NDArray images, List<String> captions) {

    /** Examples {@code first .. first+size-1}; every image must be {@code resolution}² pixels. */
    static Batch load(NDManager m, TrainingData data, long first, int size, int resolution) {
        float[] chw = new float[size * 3 * resolution * resolution];
        List<String> captions = new ArrayList<>();
        int plane = resolution * resolution;
        for (int b = 0; b < size; b++) {
            TrainingData.Example ex = data.get(first + b);
            BufferedImage img = ex.image();
            if (img.getWidth() != resolution || img.getHeight() != resolution) {
                throw new IllegalArgumentException(data.describe() + ": example " + (first + b) + " is "
                        + img.getWidth() + "x" + img.getHeight() + ", expected " + resolution + "x" + resolution);
            }
            byte[] hwc = Png.toRgb(img);
            for (int i = 0; i < plane; i++) {
                for (int c = 0; c < 3; c++) {
                    chw[(b * 3 + c) * plane + i] = (hwc[i * 3 + c] & 0xff) / 127.5f - 1f;
                }
            }
            captions.add(ex.caption());
        }
        return new Batch(Tensors.of(m, chw, new Shape(size, 3, resolution, resolution)), captions);
    }
}
