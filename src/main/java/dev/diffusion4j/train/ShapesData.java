package dev.diffusion4j.train;

/** {@link ShapesWorld} as unlimited training data: example {@code i} is the world's sample {@code i}. */
public final class ShapesData implements TrainingData {

    private final ShapesWorld world;
    private final long seed;

    public ShapesData(long seed, int imageSize) {
        this.world = new ShapesWorld(seed, SceneMix.DEFAULT, imageSize);
        this.seed = seed;
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
        return "ShapesWorld(seed " + seed + ")";
    }
}
