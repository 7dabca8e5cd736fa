package dev.diffusion4j.shapes;

import java.util.Locale;

/**
 * The shapes world's palette: six saturated hues at full value, at least 30° apart on the hue circle, and white. Every
 * colour has a channel at 255, so anti-aliasing against the black background only darkens a pixel and never moves its
 * hue — which is what lets the evaluator classify edge pixels by hue alone.
 */
public enum Colour {
    RED(255, 0, 0),
    ORANGE(255, 128, 0),
    YELLOW(255, 255, 0),
    GREEN(0, 255, 0),
    BLUE(0, 80, 255),
    PURPLE(170, 0, 255),
    WHITE(255, 255, 255);

    private final int red;
    private final int green;
    private final int blue;

    Colour(int red, int green, int blue) {
        this.red = red;
        this.green = green;
        this.blue = blue;
    }

    /** The caption word, e.g. {@code "red"}. */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The exact sRGB value drawn, as {@code 0xRRGGBB}. */
    public int rgb() {
        return red << 16 | green << 8 | blue;
    }

    /** Whether the colour is a hue (true) or the achromatic white (false). */
    public boolean chromatic() {
        return red != green || green != blue;
    }

    /** The colour named by a caption word, or {@code null} when the word is no colour of the world. */
    public static Colour fromWord(String word) {
        for (Colour c : values()) {
            if (c.word().equals(word)) {
                return c;
            }
        }
        return null;
    }
}
