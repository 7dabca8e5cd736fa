package dev.diffusion4j.eval;

/** An axis-aligned box of pixels: columns {@code [x, x + width)}, rows {@code [y, y + height)}. */
public record PixelBox(int x, int y, int width, int height) {

    public PixelBox {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("box must be at least 1×1, got " + width + "×" + height);
        }
    }
}
