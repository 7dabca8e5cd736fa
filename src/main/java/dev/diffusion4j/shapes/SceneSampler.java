package dev.diffusion4j.shapes;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Draws scenes whose geometry makes their captions true with room to spare: a region-placed shape sits
 * {@link #INSIDE} further in than the caption margin, distinct shapes keep {@link #GAP} between bounding squares,
 * and related pairs are {@link #MIN_SEPARATION} apart on the relation's axis but close on the other.
 */
final class SceneSampler {

    /** Distance kept between a shape's bounding square and the image border. */
    static final double BORDER = 0.03;
    /** Distance kept between the bounding squares of two shapes, so they never touch after blur. */
    static final double GAP = 0.06;
    /** Least separation of a related pair on the relation's axis (captions claim relations from 0.2). */
    static final double MIN_SEPARATION = 0.26;
    /** Largest offset of a related pair across the relation's axis, under the 0.2 that would make a second relation. */
    static final double MAX_CROSS_OFFSET = 0.12;
    /** How much further inside a region than {@link Captions#REGION_MARGIN} a region-placed centre lies. */
    static final double INSIDE = 0.02;

    private static final int MAX_PLACEMENT_TRIES = 10_000;

    private final SceneMix mix;

    SceneSampler(SceneMix mix) {
        this.mix = mix;
    }

    Scene draw(Random random) {
        double u = random.nextDouble() * (mix.single() + mix.counting() + mix.pair());
        if (u < mix.single()) {
            return single(random);
        }
        if (u < mix.single() + mix.counting()) {
            return counting(random);
        }
        return pair(random);
    }

    private Scene single(Random random) {
        ShapeKind kind = pick(random, ShapeKind.values());
        Colour colour = pick(random, Colour.values());
        double r = radius(random, pick(random, ShapeSize.values()));
        double x;
        double y;
        if (random.nextDouble() < mix.positioned()) {
            Region region = pick(random, Region.values());
            double[] xs = interval(region, true, r);
            double[] ys = interval(region, false, r);
            x = uniform(random, xs[0], xs[1]);
            y = uniform(random, ys[0], ys[1]);
        } else {
            x = uniform(random, r + BORDER, 1 - r - BORDER);
            y = uniform(random, r + BORDER, 1 - r - BORDER);
        }
        return new Scene(List.of(new PlacedShape(kind, colour, x, y, r)));
    }

    private Scene counting(Random random) {
        ShapeKind kind = pick(random, ShapeKind.values());
        Colour colour = pick(random, Colour.values());
        ShapeSize size = pick(random, ShapeSize.values());
        int count = 2 + random.nextInt(2);
        for (int attempt = 0; attempt < MAX_PLACEMENT_TRIES; attempt++) {
            List<PlacedShape> shapes = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                double r = radius(random, size);
                PlacedShape candidate = new PlacedShape(kind, colour, uniform(random, r + BORDER, 1 - r - BORDER),
                        uniform(random, r + BORDER, 1 - r - BORDER), r);
                if (shapes.stream().allMatch(s -> s.gapTo(candidate) >= GAP)) {
                    shapes.add(candidate);
                }
            }
            if (shapes.size() == count) {
                return new Scene(shapes);
            }
        }
        // Unreachable with the size ranges of ShapeSize: three large shapes fit with room to spare.
        throw new IllegalStateException("could not place " + count + " " + size.word() + " shapes");
    }

    private Scene pair(Random random) {
        ShapeKind kindA = pick(random, ShapeKind.values());
        Colour colourA = pick(random, Colour.values());
        ShapeKind kindB;
        Colour colourB;
        do {
            kindB = pick(random, ShapeKind.values());
            colourB = pick(random, Colour.values());
        } while (kindA == kindB && colourA == colourB);
        double ra = radius(random, pick(random, ShapeSize.values()));
        double rb = radius(random, pick(random, ShapeSize.values()));
        Relation relation = pick(random, Relation.values());
        // Place along the axis as "first before second" (left-to-right or top-to-bottom), then assign A and B.
        boolean first = relation == Relation.LEFT_OF || relation == Relation.ABOVE;
        double r1 = first ? ra : rb;
        double r2 = first ? rb : ra;
        double minD = Math.max(MIN_SEPARATION, r1 + r2 + GAP);
        double maxD = 1 - r1 - r2 - 2 * BORDER;
        double d = uniform(random, minD, maxD);
        double along1 = uniform(random, r1 + BORDER, 1 - r2 - BORDER - d);
        double along2 = along1 + d;
        double across1 = uniform(random, r1 + BORDER, 1 - r1 - BORDER);
        double across2 = clamp(across1 + uniform(random, -MAX_CROSS_OFFSET, MAX_CROSS_OFFSET),
                r2 + BORDER, 1 - r2 - BORDER);
        boolean horizontal = relation == Relation.LEFT_OF || relation == Relation.RIGHT_OF;
        double aAlong = first ? along1 : along2;
        double bAlong = first ? along2 : along1;
        double aAcross = first ? across1 : across2;
        double bAcross = first ? across2 : across1;
        PlacedShape a = horizontal ? new PlacedShape(kindA, colourA, aAlong, aAcross, ra)
                : new PlacedShape(kindA, colourA, aAcross, aAlong, ra);
        PlacedShape b = horizontal ? new PlacedShape(kindB, colourB, bAlong, bAcross, rb)
                : new PlacedShape(kindB, colourB, bAcross, bAlong, rb);
        return new Scene(List.of(a, b));
    }

    /** The range of centre coordinates on one axis that puts a shape of radius r well inside the region. */
    private static double[] interval(Region region, boolean xAxis, double r) {
        double inset = Captions.REGION_MARGIN + INSIDE;
        if (region == Region.CENTER) {
            double half = (Region.HIGH - Region.LOW) / 2 - inset;
            return new double[] {0.5 - half, 0.5 + half};
        }
        double lo = r + BORDER;
        double hi = 1 - r - BORDER;
        boolean horizontal = region == Region.LEFT || region == Region.RIGHT;
        if (horizontal != xAxis) {
            return new double[] {lo, hi};
        }
        return region == Region.LEFT || region == Region.TOP
                ? new double[] {lo, Region.LOW - inset}
                : new double[] {Region.HIGH + inset, hi};
    }

    private static double radius(Random random, ShapeSize size) {
        return uniform(random, size.minRadius(), size.maxRadius());
    }

    private static double uniform(Random random, double lo, double hi) {
        return lo + (hi - lo) * random.nextDouble();
    }

    private static double clamp(double v, double lo, double hi) {
        return Math.max(lo, Math.min(hi, v));
    }

    private static <T> T pick(Random random, T[] values) {
        return values[random.nextInt(values.length)];
    }
}
