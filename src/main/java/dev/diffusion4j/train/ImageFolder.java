package dev.diffusion4j.train;

import dev.diffusion4j.io.Png;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** A folder of {@code NAME.png} + {@code NAME.txt} caption pairs (the usual fine-tuning layout), sorted by name. */
public final class ImageFolder implements TrainingData {

    private final Path dir;
    private final List<Path> images;

    private ImageFolder(Path dir, List<Path> images) {
        this.dir = dir;
        this.images = images;
    }

    /** Opens and checks the folder: it must exist and every image must have its caption file. */
    public static ImageFolder open(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException("dataset folder not found: " + dir);
        }
        List<Path> images;
        try (Stream<Path> s = Files.list(dir)) {
            images = s.filter(p -> p.getFileName().toString().toLowerCase().matches(".*\\.(png|jpg|jpeg)"))
                    .sorted().toList();
        }
        if (images.isEmpty()) {
            throw new IOException(dir + ": no .png/.jpg images in the dataset folder");
        }
        for (Path p : images) {
            if (!Files.isRegularFile(caption(p))) {
                throw new IOException(dir + ": image " + p.getFileName() + " has no caption file " + caption(p).getFileName());
            }
        }
        return new ImageFolder(dir, images);
    }

    private static Path caption(Path image) {
        String n = image.getFileName().toString();
        return image.resolveSibling(n.substring(0, n.lastIndexOf('.')) + ".txt");
    }

    @Override
    public Example get(long index) {
        Path p = images.get((int) Math.floorMod(index, (long) images.size()));
        try {
            return new Example(Png.read(p), Files.readString(caption(p), StandardCharsets.UTF_8).strip());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public long size() {
        return images.size();
    }

    @Override
    public String describe() {
        return dir + " (" + images.size() + " captioned images)";
    }
}
