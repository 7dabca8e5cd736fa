package dev.diffusion4j.pipelines;

import dev.diffusion4j.models.ModelSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * The one check every request passes before any work: its pixels (width × height × images) against a limit, and the
 * memory it would need against what the machine has free. Without it a careless {@code -W 8192 -H 8192} grows past
 * the machine's memory and is killed by the kernel minutes later.
 *
 * <p>The estimate: the weights (parameters × bytes per value) plus the activations, which scale with the pixels. The
 * decoder's full-resolution blocks dominate at 512² and above: a few live tensors of {@code block_out_channels[0]}
 * channels per pixel (SD 1.5: 128 channels; its 512² decode measured ≈ 1 GB beside 3.3 GB of fp32 weights,
 * BENCHMARKS.md), so 32 bytes × channels per pixel per image is the allowance.
 *
 * @param maxPixels the most pixels (summed over the batch) a request may ask for
 */
public record MemoryBudget(long maxPixels) {

    /** 2048 × 2048: an SD 1.5 image of that size needs ≈ 16 GB; raise it with {@code --max-pixels}. */
    public static final long DEFAULT_MAX_PIXELS = 2048L * 2048;

    public MemoryBudget {
        if (maxPixels < 1) {
            throw new IllegalArgumentException("the pixel limit must be ≥ 1, got " + maxPixels);
        }
    }

    /**
     * Fails with one message naming the size, the limit and how to raise it, or the memory needed and available.
     *
     * @param request resolved against {@code spec} (its width and height are set)
     */
    public void check(GenerationRequest request, ModelSpec spec) {
        long pixels = (long) request.width() * request.height() * request.batchSize();
        if (pixels > maxPixels) {
            throw new IllegalArgumentException(request.width() + "x" + request.height() + " × " + request.batchSize()
                    + " image(s) = " + pixels + " pixels exceeds the limit of " + maxPixels
                    + " (raise it with --max-pixels)");
        }
        long needed = estimate(request, spec);
        OptionalLong available = available();
        if (available.isPresent() && needed > available.getAsLong()) {
            throw new IllegalArgumentException(request.width() + "x" + request.height() + " × " + request.batchSize()
                    + " image(s) would need about " + gb(needed) + " GB of memory, " + gb(available.getAsLong())
                    + " GB are available; use a smaller size or batch");
        }
    }

    /** Bytes a request is expected to need at its peak. */
    static long estimate(GenerationRequest request, ModelSpec spec) {
        long pixels = (long) request.width() * request.height() * request.batchSize();
        long perPixel = 32L * spec.vae().blockOutChannels()[0];
        return spec.weightBytes() + pixels * perPixel;
    }

    /** The kernel's {@code MemAvailable}, or empty where it cannot be read (then only the pixel limit applies). */
    static OptionalLong available() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) {
                    return OptionalLong.of(Long.parseLong(line.replaceAll("\\D", "")) * 1024);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or an unreadable /proc: the pixel limit still holds
        }
        return OptionalLong.empty();
    }

    private static String gb(long bytes) {
        return String.format("%.1f", bytes / 1e9);
    }
}
