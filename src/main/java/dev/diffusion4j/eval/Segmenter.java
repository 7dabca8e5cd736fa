package dev.diffusion4j.eval;

import dev.diffusion4j.shapes.Colour;
import dev.diffusion4j.shapes.ShapeKind;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the shapes of an image without any model: each pixel is given the nearest palette colour by hue (or white by
 * low saturation, or background by low value), then 8-connected regions of one colour become objects, and each
 * object's shape is read from {@link ShapeMeasure}'s fill ratio and vertical skewness, measured over the region and
 * the ring of background pixels around it (its dark anti-aliased fringe).
 */
final class Segmenter {

    /** Pixels darker than this (HSV value) are background: black, and the faint fringe of anti-aliased edges. */
    static final double MIN_VALUE = 0.3;
    /** Lit pixels less saturated than this are white; the palette's hues all have saturation 1. */
    static final double MAX_WHITE_SATURATION = 0.3;
    /** Regions smaller than this fraction of the image are specks (noise, blended edges), not objects. */
    static final double MIN_AREA_FRACTION = 0.004;
    /** Fill ratio above which a region is a square (1 ideal; a blurred square keeps about 0.95). */
    static final double SQUARE_FILL = 0.88;
    /** Fill ratio below which a region is a triangle (1/2 ideal) rather than a circle (π/4 ≈ 0.785). */
    static final double TRIANGLE_FILL = 0.64;
    /** Vertical skewness below which a region is an apex-up triangle (−0.57 ideal, 0 for circles and squares). */
    static final double TRIANGLE_SKEWNESS = -0.25;

    private static final int BACKGROUND = -1;
    private static final Colour[] PALETTE = Colour.values();
    /** Hue of each palette colour; NaN for the achromatic one, which so never wins a nearest-hue comparison. */
    private static final double[] HUES = new double[PALETTE.length];
    private static final int ACHROMATIC;

    static {
        int achromatic = BACKGROUND;
        for (Colour c : PALETTE) {
            int r = c.rgb() >> 16 & 0xFF;
            int g = c.rgb() >> 8 & 0xFF;
            int b = c.rgb() & 0xFF;
            HUES[c.ordinal()] = c.chromatic() ? hue(r, g, b) : Double.NaN;
            if (!c.chromatic()) {
                achromatic = c.ordinal();
            }
        }
        if (achromatic == BACKGROUND) {
            throw new IllegalStateException("the palette has no achromatic colour");
        }
        ACHROMATIC = achromatic;
    }

    private Segmenter() {}

    static Detection analyse(BufferedImage image) {
        if (image == null) {
            throw new IllegalArgumentException("image must not be null");
        }
        int w = image.getWidth();
        int h = image.getHeight();
        int[] rgb = image.getRGB(0, 0, w, h, null, 0, w);
        int[] label = new int[rgb.length];
        int[] value = new int[rgb.length];
        for (int i = 0; i < rgb.length; i++) {
            label[i] = classify(rgb[i]);
            value[i] = Math.max(rgb[i] >> 16 & 0xFF, Math.max(rgb[i] >> 8 & 0xFF, rgb[i] & 0xFF));
        }
        int minArea = Math.max(1, (int) Math.round(MIN_AREA_FRACTION * w * h));
        // owner[p]: number of the region p belongs to (from 1); ringOf[p]: of the region whose ring holds it.
        int[] owner = new int[rgb.length];
        int[] ringOf = new int[rgb.length];
        int[] members = new int[rgb.length];
        int[] ring = new int[rgb.length];
        List<DetectedObject> objects = new ArrayList<>();
        int region = 0;
        for (int start = 0; start < rgb.length; start++) {
            if (owner[start] != 0 || label[start] == BACKGROUND) {
                continue;
            }
            region++;
            int colour = label[start];
            int count = 0;
            int ringCount = 0;
            int done = 0;
            members[count++] = start;
            owner[start] = region;
            int minX = w;
            int maxX = -1;
            int minY = h;
            int maxY = -1;
            while (done < count) {
                int p = members[done++];
                int px = p % w;
                int py = p / w;
                minX = Math.min(minX, px);
                maxX = Math.max(maxX, px);
                minY = Math.min(minY, py);
                maxY = Math.max(maxY, py);
                for (int dy = -1; dy <= 1; dy++) {
                    for (int dx = -1; dx <= 1; dx++) {
                        int nx = px + dx;
                        int ny = py + dy;
                        if (nx < 0 || nx >= w || ny < 0 || ny >= h) {
                            continue;
                        }
                        int q = ny * w + nx;
                        if (label[q] == colour && owner[q] != region) {
                            owner[q] = region;
                            members[count++] = q;
                        } else if (label[q] == BACKGROUND && ringOf[q] != region) {
                            ringOf[q] = region;
                            ring[ringCount++] = q;
                        }
                    }
                }
            }
            if (count < minArea) {
                continue;
            }
            ShapeMeasure m = ShapeMeasure.of(members, count, ring, ringCount, value, w, h);
            int bw = maxX - minX + 1;
            int bh = maxY - minY + 1;
            objects.add(new DetectedObject(PALETTE[colour], shape(m.fillRatio(), m.skewness()),
                    (minX + bw / 2.0) / w, (minY + bh / 2.0) / h,
                    Math.max(m.softWidth() / w, m.softHeight() / h) / 2, count, m.fillRatio(), m.skewness(),
                    new PixelBox(minX, minY, bw, bh)));
        }
        return new Detection(w, h, objects);
    }

    static ShapeKind shape(double fill, double skewness) {
        if (skewness < TRIANGLE_SKEWNESS || fill < TRIANGLE_FILL) {
            return ShapeKind.TRIANGLE;
        }
        return fill >= SQUARE_FILL ? ShapeKind.SQUARE : ShapeKind.CIRCLE;
    }

    /** The palette index of a pixel, or {@link #BACKGROUND}. */
    static int classify(int rgb) {
        int r = rgb >> 16 & 0xFF;
        int g = rgb >> 8 & 0xFF;
        int b = rgb & 0xFF;
        int max = Math.max(r, Math.max(g, b));
        int min = Math.min(r, Math.min(g, b));
        if (max < MIN_VALUE * 255) {
            return BACKGROUND;
        }
        if (max - min < MAX_WHITE_SATURATION * max) {
            return ACHROMATIC;
        }
        double hue = hue(r, g, b);
        int best = BACKGROUND;
        double bestDistance = Double.MAX_VALUE;
        for (int c = 0; c < HUES.length; c++) {
            double d = Math.abs(hue - HUES[c]);
            d = Math.min(d, 360 - d);
            if (d < bestDistance) {
                best = c;
                bestDistance = d;
            }
        }
        return best;
    }

    /** HSV hue in degrees [0, 360) of a pixel with max > min. */
    private static double hue(int r, int g, int b) {
        int max = Math.max(r, Math.max(g, b));
        double range = max - Math.min(r, Math.min(g, b));
        double h;
        if (max == r) {
            h = (g - b) / range;
        } else if (max == g) {
            h = 2 + (b - r) / range;
        } else {
            h = 4 + (r - g) / range;
        }
        h *= 60;
        return h < 0 ? h + 360 : h;
    }
}
