package dev.diffusion4j.models;

import java.net.URISyntaxException;
import java.nio.file.Path;

/** The installation folder, where the built-in model and its CLIP vocabulary live ({@code models/d4j-shapes/}). */
public final class Installation {

    private Installation() {}

    /** {@code -Dd4j.home}, else the folder above the jar's {@code target/} (the checkout), else the working folder. */
    public static Path home() {
        String h = System.getProperty("d4j.home");
        if (h != null) {
            return Path.of(h);
        }
        try {
            Path jar = Path.of(Installation.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path parent = jar.getParent();
            return parent != null && parent.getParent() != null ? parent.getParent() : Path.of(".");
        } catch (URISyntaxException | RuntimeException e) {
            return Path.of(".");
        }
    }

    /**
     * The full 49,408-token CLIP BPE vocabulary of the built-in model ({@code openai/clip-vit-large-patch14}'s, which
     * SD 1.x and, with "!" as padding, SD 2.x use), for single files that carry no tokenizer.
     */
    public static Path clipTokenizer() {
        return home().resolve("models").resolve("d4j-shapes").resolve("tokenizer");
    }
}
