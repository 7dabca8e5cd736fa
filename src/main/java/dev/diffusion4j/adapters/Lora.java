package dev.diffusion4j.adapters;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One LoRA to apply: a file and its weights, as {@code --lora FILE:WEIGHT} or A1111's {@code <lora:NAME:TE:UNET>}
 * gives them.
 *
 * @param name how the infotext names it: the tag's name, or the file stem
 * @param textEncoderWeight the multiplier of its text-encoder layers
 * @param unetWeight the multiplier of its UNet layers
 */
public record Lora(String name, Path file, double textEncoderWeight, double unetWeight) {

    public Lora {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(file, "file");
        if (!Double.isFinite(textEncoderWeight) || !Double.isFinite(unetWeight)) {
            throw new IllegalArgumentException("LoRA " + file + ": weights must be finite numbers");
        }
    }

    /**
     * {@code FILE} or {@code FILE:WEIGHT} (weight 1 by default; the last colon separates the weight only when what
     * follows it is a number, so a Windows drive letter or a colon in a name stays part of the path).
     */
    public static Lora parse(String spec) {
        int colon = spec.lastIndexOf(':');
        double weight = 1.0;
        String path = spec;
        if (colon > 0) {
            try {
                weight = Double.parseDouble(spec.substring(colon + 1));
                path = spec.substring(0, colon);
            } catch (NumberFormatException e) {
                // no weight: the colon belongs to the path
            }
        }
        if (path.isBlank()) {
            throw new IllegalArgumentException("--lora '" + spec + "': expected FILE or FILE:WEIGHT");
        }
        Path file = Path.of(path);
        return new Lora(stem(file), file, weight, weight);
    }

    /** The extensions of the LoRA files a folder lists and a {@code <lora:NAME:W>} tag finds. */
    public static final List<String> EXTENSIONS = List.of(".safetensors", ".pt", ".ckpt", ".bin");

    /** Whether {@code file} names a LoRA file a folder lists: one of {@link #EXTENSIONS}, not hidden. */
    public static boolean isLoraFile(Path file) {
        String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return !n.startsWith(".") && EXTENSIONS.stream().anyMatch(n::endsWith);
    }

    /** The file name without its extension, A1111's name for a LoRA. */
    public static String stem(Path file) {
        String n = file.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }
}
