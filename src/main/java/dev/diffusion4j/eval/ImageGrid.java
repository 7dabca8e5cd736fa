package dev.diffusion4j.eval;

import dev.diffusion4j.io.Png;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A contact sheet: images in rows of {@code columns} tiles, each with its label under it in a small font, wrapped
 * to the tile's width. Used for evaluation reports and training's periodic sample grids.
 */
public final class ImageGrid {

    /** Narrowest tile, so that a label of a few words fits under a 64-pixel image. */
    static final int MIN_TILE_WIDTH = 96;
    /** Most label lines per tile; a longer label ends in an ellipsis. */
    static final int MAX_LINES = 4;

    private static final int PAD = 4;
    private static final Font FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 10);
    private static final Color BACKGROUND = new Color(40, 40, 40);
    private static final Color TEXT = new Color(230, 230, 230);

    private ImageGrid() {}

    /**
     * Writes the grid to {@code png}: first to a temporary file beside it, then renamed over it, so a reader never
     * sees a partial image. Tiles are as wide as the widest image (at least {@value #MIN_TILE_WIDTH}) and images are
     * centred in them at their own size.
     *
     * @param labels one label per image (may be empty strings)
     * @param columns tiles per row, at least 1
     */
    public static void write(Path png, List<BufferedImage> images, List<String> labels, int columns)
            throws IOException {
        BufferedImage grid = render(images, labels, columns);
        Png.write(png, grid, Map.of()); // creates the folder
    }

    /** The grid as an image, without writing it. */
    static BufferedImage render(List<BufferedImage> images, List<String> labels, int columns) {
        if (images == null || images.isEmpty()) {
            throw new IllegalArgumentException("images must not be empty");
        }
        if (labels == null || labels.size() != images.size()) {
            throw new IllegalArgumentException("need one label per image: " + images.size() + " images, "
                    + (labels == null ? "null" : labels.size()) + " labels");
        }
        if (columns < 1) {
            throw new IllegalArgumentException("columns must be at least 1, got " + columns);
        }
        int tileWidth = MIN_TILE_WIDTH;
        int imageHeight = 0;
        for (BufferedImage image : images) {
            tileWidth = Math.max(tileWidth, image.getWidth());
            imageHeight = Math.max(imageHeight, image.getHeight());
        }
        BufferedImage scratch = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        Graphics2D probe = scratch.createGraphics();
        FontMetrics metrics = probe.getFontMetrics(FONT);
        probe.dispose();
        List<List<String>> lines = new ArrayList<>();
        int maxLines = 0;
        for (String label : labels) {
            List<String> wrapped = wrap(label == null ? "" : label, metrics, tileWidth);
            lines.add(wrapped);
            maxLines = Math.max(maxLines, wrapped.size());
        }
        int tileHeight = imageHeight + PAD + maxLines * metrics.getHeight();
        int cols = Math.min(columns, images.size());
        int rows = (images.size() + cols - 1) / cols;
        BufferedImage grid = new BufferedImage(PAD + cols * (tileWidth + PAD), PAD + rows * (tileHeight + PAD),
                BufferedImage.TYPE_INT_RGB);
        Graphics2D g = grid.createGraphics();
        try {
            g.setColor(BACKGROUND);
            g.fillRect(0, 0, grid.getWidth(), grid.getHeight());
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setFont(FONT);
            g.setColor(TEXT);
            for (int i = 0; i < images.size(); i++) {
                BufferedImage image = images.get(i);
                int x0 = PAD + (i % cols) * (tileWidth + PAD);
                int y0 = PAD + (i / cols) * (tileHeight + PAD);
                g.drawImage(image, x0 + (tileWidth - image.getWidth()) / 2, y0, null);
                int baseline = y0 + imageHeight + PAD + metrics.getAscent();
                for (String line : lines.get(i)) {
                    g.drawString(line, x0 + (tileWidth - metrics.stringWidth(line)) / 2, baseline);
                    baseline += metrics.getHeight();
                }
            }
        } finally {
            g.dispose();
        }
        return grid;
    }

    /** Greedy word wrap to {@code width} pixels, at most {@link #MAX_LINES} lines. */
    static List<String> wrap(String label, FontMetrics metrics, int width) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : label.trim().split("\\s+")) {
            if (word.isEmpty()) {
                continue;
            }
            String candidate = line.isEmpty() ? word : line + " " + word;
            if (line.isEmpty() || metrics.stringWidth(candidate) <= width) {
                line.setLength(0);
                line.append(candidate);
            } else {
                lines.add(line.toString());
                line.setLength(0);
                line.append(word);
            }
        }
        if (!line.isEmpty()) {
            lines.add(line.toString());
        }
        if (lines.size() > MAX_LINES) {
            List<String> kept = new ArrayList<>(lines.subList(0, MAX_LINES));
            kept.set(MAX_LINES - 1, kept.get(MAX_LINES - 1) + " …");
            return kept;
        }
        return lines;
    }
}
