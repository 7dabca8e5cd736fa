package dev.diffusion4j.shapes;

import java.awt.image.BufferedImage;

/**
 * One training example of the shapes world: the rendered image ({@code TYPE_INT_RGB}), one caption true of it, and
 * the scene it was drawn from.
 */
public record Sample(BufferedImage image, String caption, Scene scene) {

    public Sample {
        if (image == null || caption == null || scene == null) {
            throw new IllegalArgumentException("image, caption and scene must not be null");
        }
    }
}
