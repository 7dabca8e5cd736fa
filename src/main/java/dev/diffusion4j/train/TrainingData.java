package dev.diffusion4j.train;

import java.awt.image.BufferedImage;

/**
 * Captioned training images, addressed by index so loaders are deterministic, shardable and resumable. A finite
 * source wraps around ({@code index mod size}).
 */
public interface TrainingData {

    /** One training example. */
    record Example(BufferedImage image, String caption) {}

    Example get(long index);

    /** Number of distinct examples, or {@link Long#MAX_VALUE} for a generator. */
    long size();

    /** Where the data comes from, for logs and the model card. */
    String describe();
}
