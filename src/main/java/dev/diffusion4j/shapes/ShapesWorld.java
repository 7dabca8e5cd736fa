package dev.diffusion4j.shapes;

import dev.diffusion4j.io.AtomicFiles;
import dev.diffusion4j.io.Png;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A synthetic captioned world of coloured shapes on black, the training data of diffusion4j's small default model:
 * an unlimited, deterministic stream of (image, caption, scene) samples.
 *
 * <p><b>Caption grammar</b> (lower case, words separated by single spaces):
 * <pre>
 * caption  := object [region]                  one shape, e.g. "a large red circle on the left"
 *           | numeral [size] colour kinds      two or three alike, e.g. "two green squares"
 *           | object relation object          e.g. "a red circle to the left of a blue square"
 *           | object "and" object             e.g. "a red circle and a blue square"
 * object   := [det] [size] colour kind         det is "a"/"an" (by the next word), "one", or nothing
 * size     := "small" | "large"
 * colour   := "red" | "orange" | "yellow" | "green" | "blue" | "purple" | "white"
 * kind     := "circle" | "square" | "triangle"     (kinds: the plural, "circles", ...)
 * numeral  := "two" | "three"
 * region   := "on the left" | "on the right" | "at the top" | "at the bottom" | "in the center"
 * relation := "to the left of" | "to the right of" | "above" | "below"
 * </pre>
 * In a relation or "and" caption both objects take "a"/"an". {@link #captions(Scene)} lists every caption of this
 * grammar that is true of a scene; a sample's caption is one of them, chosen at random.
 *
 * <p><b>Truth</b>: a caption's claims hold by the scene's geometry with margins — a region is claimed only when the
 * shape's centre lies 0.04 inside it ({@link Region}), a relation only when the centres are 0.2 apart on its axis
 * ({@link Relation}), a size only when the radius is in that size's range ({@link ShapeSize}); shapes never overlap
 * (0.06 between bounding squares) and stay 0.03 inside the border. "one X" means exactly one, "a X" at least one.
 *
 * <p><b>Determinism</b>: {@code sample(i)} depends only on the seed, the scene mix, the image size and {@code i}
 * (scene and caption from {@link java.util.Random}, whose algorithm the JDK specifies), so data loaders can shard
 * and resume by index. The pixels are Java2D's anti-aliased rendering: identical on one JDK, possibly different in
 * the last bit of edge pixels across JDK builds. Instances are immutable and safe to share between threads.
 */
public final class ShapesWorld {

    /** Side of the images {@link #sample(long)} renders unless told otherwise. */
    public static final int DEFAULT_IMAGE_SIZE = 64;

    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    private final long seed;
    private final int imageSize;
    private final SceneSampler sampler;
    private final SceneMix mix;

    /** A world with the {@link SceneMix#DEFAULT default mix} rendering {@value #DEFAULT_IMAGE_SIZE}-pixel images. */
    public ShapesWorld(long seed) {
        this(seed, SceneMix.DEFAULT, DEFAULT_IMAGE_SIZE);
    }

    /** A world with the given scene mix, rendering square images of side {@code imageSize} (at least 16). */
    public ShapesWorld(long seed, SceneMix mix, int imageSize) {
        if (mix == null) {
            throw new IllegalArgumentException("mix must not be null");
        }
        if (imageSize < 16) {
            throw new IllegalArgumentException("imageSize must be at least 16, got " + imageSize);
        }
        this.seed = seed;
        this.imageSize = imageSize;
        this.sampler = new SceneSampler(mix);
        this.mix = mix;
    }

    /** The sample at {@code index} (any non-negative long): the same (seed, mix, size, index) give the same sample. */
    public Sample sample(long index) {
        if (index < 0) {
            throw new IllegalArgumentException("index must be non-negative, got " + index);
        }
        Random random = new Random(mix64(seed ^ mix64(index * GOLDEN_GAMMA + GOLDEN_GAMMA)));
        Scene scene = sampler.draw(random);
        List<String> captions = captions(scene);
        if (mix.located() != SceneMix.UNIFORM && scene.shapes().size() == 1) {
            boolean named = random.nextDouble() < mix.located();
            List<String> chosen = captions.stream().filter(c -> namesRegion(c) == named).toList();
            captions = chosen.isEmpty() ? captions : chosen;
        }
        String caption = captions.get(random.nextInt(captions.size()));
        return new Sample(render(scene, imageSize), caption, scene);
    }

    private static boolean namesRegion(String caption) {
        for (Region region : Region.values()) {
            if (caption.endsWith(" " + region.phrase())) {
                return true;
            }
        }
        return false;
    }

    /** Every caption of the grammar that is true of the scene, in a fixed order. */
    public static List<String> captions(Scene scene) {
        return Captions.of(scene);
    }

    /** Draws the scene anti-aliased on black into a new {@code size}×{@code size} {@code TYPE_INT_RGB} image. */
    public static BufferedImage render(Scene scene, int size) {
        if (size < 1) {
            throw new IllegalArgumentException("size must be positive, got " + size);
        }
        BufferedImage image = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            // PURE keeps the geometry exact instead of snapping it towards pixel centres.
            g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
            for (PlacedShape s : scene.shapes()) {
                g.setColor(new Color(s.colour().rgb()));
                double x = s.x() * size;
                double y = s.y() * size;
                double r = s.radius() * size;
                switch (s.kind()) {
                    case CIRCLE -> g.fill(new Ellipse2D.Double(x - r, y - r, 2 * r, 2 * r));
                    case SQUARE -> g.fill(new Rectangle2D.Double(x - r, y - r, 2 * r, 2 * r));
                    case TRIANGLE -> {
                        Path2D.Double triangle = new Path2D.Double();
                        triangle.moveTo(x, y - r);
                        triangle.lineTo(x + r, y + r);
                        triangle.lineTo(x - r, y + r);
                        triangle.closePath();
                        g.fill(triangle);
                    }
                }
            }
        } finally {
            g.dispose();
        }
        return image;
    }

    /**
     * Writes samples 0 to {@code count − 1} into {@code dir} (created if absent) as {@code 000000.png} with its caption
     * in {@code 000000.txt} (UTF-8, no newline) — the trainer's generic dataset format. Each file is written to a
     * temporary name and then renamed, so an interrupted run never leaves a partial file under a final name.
     */
    public void writeDataset(Path dir, int count) throws IOException {
        if (count < 0) {
            throw new IllegalArgumentException("count must be non-negative, got " + count);
        }
        Files.createDirectories(dir);
        for (int i = 0; i < count; i++) {
            Sample sample = sample(i);
            String stem = String.format("%06d", i);
            Png.write(dir.resolve(stem + ".png"), sample.image(), Map.of());
            AtomicFiles.writeString(dir.resolve(stem + ".txt"), sample.caption());
        }
    }

    /** SplitMix64's finaliser: spreads nearby seeds and indices over all 64 bits before {@link Random} takes 48. */
    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
