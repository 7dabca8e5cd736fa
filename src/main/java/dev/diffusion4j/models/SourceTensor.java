package dev.diffusion4j.models;

import java.util.Arrays;

/**
 * Where one diffusers tensor comes from in an original single file.
 *
 * @param key the original key, e.g. {@code first_stage_model.encoder.mid.attn_1.q.weight}
 * @param transform how the source tensor becomes the diffusers one
 * @param shape the diffusers tensor's shape (the source's shape after {@code transform})
 */
public record SourceTensor(String key, Transform transform, long[] shape) {

    public SourceTensor {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SourceTensor s && key.equals(s.key) && transform == s.transform
                && Arrays.equals(shape, s.shape);
    }

    @Override
    public int hashCode() {
        return key.hashCode() * 31 + transform.hashCode();
    }

    @Override
    public String toString() {
        return key + (transform == Transform.IDENTITY ? "" : " (" + transform + ")") + " " + Arrays.toString(shape);
    }
}
