package dev.diffusion4j.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.diffusion4j.shapes.ShapesWorld;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageGridTest {

    @Test
    void writesLabelledTilesAtomically(@TempDir Path tmp) throws IOException {
        ShapesWorld world = new ShapesWorld(4);
        List<BufferedImage> images = LongStream.range(0, 5).mapToObj(i -> world.sample(i).image()).toList();
        List<String> labels = LongStream.range(0, 5).mapToObj(i -> world.sample(i).caption()).toList();
        Path png = tmp.resolve("grids/step-100.png");
        ImageGrid.write(png, images, labels, 3);

        BufferedImage grid = ImageIO.read(png.toFile());
        int tile = ImageGrid.MIN_TILE_WIDTH;
        assertEquals(4 + 3 * (tile + 4), grid.getWidth());
        // The first tile's image sits centred in its tile, pixel for pixel.
        int x0 = 4 + (tile - 64) / 2;
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 64; x++) {
                assertEquals(images.get(0).getRGB(x, y), grid.getRGB(x0 + x, 4 + y), "pixel " + x + "," + y);
            }
        }
        try (Stream<Path> files = Files.list(png.getParent())) {
            assertEquals(List.of(png), files.toList(), "no temporary file left behind");
        }
    }

    @Test
    void wrapsLongLabelsToTheTile() {
        BufferedImage scratch = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = scratch.createGraphics();
        FontMetrics metrics = g.getFontMetrics(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
        g.dispose();
        List<String> lines = ImageGrid.wrap("a large purple triangle to the right of a small orange square", metrics,
                ImageGrid.MIN_TILE_WIDTH);
        assertTrue(lines.size() > 1 && lines.size() <= ImageGrid.MAX_LINES, lines.toString());
        assertTrue(lines.stream().allMatch(l -> metrics.stringWidth(l) <= ImageGrid.MIN_TILE_WIDTH), lines.toString());
        assertEquals(ImageGrid.MAX_LINES, ImageGrid.wrap("word ".repeat(200), metrics, 40).size());
    }

    @Test
    void failsFastOnMismatchedInput(@TempDir Path tmp) {
        BufferedImage image = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
        Path png = tmp.resolve("g.png");
        assertThrows(IllegalArgumentException.class, () -> ImageGrid.write(png, List.of(image), List.of(), 1));
        assertThrows(IllegalArgumentException.class, () -> ImageGrid.write(png, List.of(), List.of(), 1));
        assertThrows(IllegalArgumentException.class, () -> ImageGrid.write(png, List.of(image), List.of("x"), 0));
    }
}
