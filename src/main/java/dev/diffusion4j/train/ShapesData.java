package dev.diffusion4j.train;

import dev.diffusion4j.shapes.Sample;
import dev.diffusion4j.shapes.SceneMix;
import dev.diffusion4j.shapes.ShapesWorld;

/** {@link ShapesWorld} as unlimited training data: example {@code i} is the world's sample {@code i}. */
public final class ShapesData implements TrainingData {

    private final ShapesWorld world;
    private final long seed;
    private final SceneMix mix;

    public ShapesData(long seed, int imageSize) {
        this(seed, SceneMix.DEFAULT, imageSize);
    }

    public ShapesData(long seed, SceneMix mix, int imageSize) {
        this.world = new ShapesWorld(seed, mix, imageSize);
        this.seed = seed;
        this.mix = mix;
    }

    @Override
    public Example get(long index) {
        Sample s = world.sample(index);
        return new Example(s.image(), s.caption());
    }

    @Override
    public long size() {
        return Long.MAX_VALUE;
    }

    @Override
    public String describe() {
        return "ShapesWorld(seed " + seed + (mix.equals(SceneMix.DEFAULT) ? "" : ", mix " + mix) + ")";
    }
}
