package dev.diffusion4j.shapes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShapesWorldDatasetTest {

    @Test
    void writesPngAndCaptionPairs(@TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve("shapes");
        ShapesWorld world = new ShapesWorld(9);
        world.writeDataset(dir, 5);
        List<String> names;
        try (Stream<Path> files = Files.list(dir)) {
            names = files.map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertEquals(List.of("000000.png", "000000.txt", "000001.png", "000001.txt", "000002.png", "000002.txt",
                "000003.png", "000003.txt", "000004.png", "000004.txt"), names);
        for (int i = 0; i < 5; i++) {
            Sample sample = world.sample(i);
            String stem = String.format("%06d", i);
            assertEquals(sample.caption(), Files.readString(dir.resolve(stem + ".txt"), StandardCharsets.UTF_8));
            BufferedImage read = ImageIO.read(dir.resolve(stem + ".png").toFile());
            int[] expected = sample.image().getRGB(0, 0, 64, 64, null, 0, 64);
            assertArrayEquals(expected, read.getRGB(0, 0, 64, 64, null, 0, 64), "pixels of " + stem);
        }
    }
}
