package dev.diffusion4j.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.diffusion4j.tensor.Engines;
import dev.diffusion4j.tensor.Precision;
import dev.diffusion4j.tensor.Profiler;
import dev.diffusion4j.tensor.Tensors;
import dev.diffusion4j.text.ClipTextConfig;
import dev.diffusion4j.text.ClipTextModel;
import dev.diffusion4j.unet.AddedConditions;
import dev.diffusion4j.unet.UNet2DConditionModel;
import dev.diffusion4j.vae.AutoencoderKL;
import dev.diffusion4j.vae.AutoencoderKLConfig;
import dev.diffusion4j.vae.VaeTiling;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code d4j bench}: the SD 1.5 or SDXL base architecture with random weights built from its configs (nothing
 * downloaded), timing one text-encoder call (each encoder), one UNet call with CFG (batch 2) and one VAE decode, plus
 * build time and peak RSS.
 */
@Command(name = "bench", description = "Benchmark SD 1.5- or SDXL-sized text encoders, UNet and VAE with random "
        + "weights.")
final class BenchCommand implements Callable<Integer> {

    @Option(names = "--size", defaultValue = "512", description = "Image size in pixels (default: ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--family", defaultValue = "sd15", description = "sd15 or sdxl (default: ${DEFAULT-VALUE}).")
    String family;

    @Option(names = {"-t", "--threads"}, description = "libtorch threads (default: all cores; at most 4 × the cores).")
    Integer threads;

    @Option(names = "--dtype", defaultValue = "fp32", description = "Compute dtype: fp32, bf16, or auto (bf16 where the "
            + "CPU has AVX512-BF16 or AMX; default: ${DEFAULT-VALUE}).")
    String dtype;

    @Option(names = "--vae-tiling", negatable = true, description = "Decode in tiles (default: tiles above 768x768, "
            + "as generate).")
    Boolean vaeTiling;

    @Option(names = "--json", description = "Print one JSON object on stdout.")
    boolean json;

    @Option(names = "--profile", description = "Also time one UNet call per operation kind.")
    boolean profile;

    @Option(names = "--skip", split = ",", description = "Parts to skip: text_encoder, unet, vae.")
    Set<String> skip = Set.of();

    private static final Set<String> PARTS = new TreeSet<>(Set.of("text_encoder", "unet", "vae"));

    @Override
    public Integer call() {
        if (size <= 0 || size % 8 != 0 || size > 8192) {
            throw new UsageException("--size must be a positive multiple of 8 up to 8192, got " + size);
        }
        Set<String> unknown = new TreeSet<>(skip);
        unknown.removeAll(PARTS);
        if (!unknown.isEmpty()) {
            throw new UsageException("--skip " + String.join(",", unknown) + ": expected parts among " + PARTS);
        }
        DataType dt;
        try {
            dt = Precision.parse(dtype);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        BenchFamily arch = BenchFamily.parse(family);
        Engines.start(TrainingCli.threads(threads));
        double te = Double.NaN;
        double unetS = Double.NaN;
        double vaeS = Double.NaN;
        double[] build = {0};
        int lat = size / 8;
        // One model in memory at a time, as a one-shot generation can run (stable-diffusion.cpp's
        // free_params_immediately): text encoder, then UNet, then VAE, each freed before the next is built.
        try (NDManager m = NDManager.newBaseManager()) {
            if (!skip.contains("text_encoder")) {
                te = 0;
                for (ClipTextConfig config : arch.textEncoders()) {
                    try (ClipTextModel text = built(build, "text encoder", () -> ClipTextModel.random(config, dt, 1))) {
                        double s = time(() -> text.forward(m.zeros(new Shape(2, 77), DataType.INT64), arch.clipSkip(),
                                arch.clipSkip() == 0).lastHiddenState());
                        te += s;
                        log("text encoder %d layers × %d (batch 2): %.3f s", config.numHiddenLayers(),
                                config.hiddenSize(), s);
                    }
                }
            }
            if (!skip.contains("unet")) {
                try (UNet2DConditionModel unet = built(build, "UNet",
                        () -> UNet2DConditionModel.random(arch.unet(), dt, 2));
                     NDScope scope = new NDScope()) {
                    // float32 inputs, as the pipeline passes them: the model converts them to its dtype
                    NDArray ctx = m.randomNormal(new Shape(2, 77, arch.unet().crossAttentionDim()));
                    AddedConditions added = arch.added(m, 2, size);
                    NDArray sample = m.randomNormal(new Shape(2, 4, lat, lat));
                    NDArray t = Tensors.scalar(m, 500f);
                    time(() -> unet.forward(sample, t, ctx, added)); // warm-up: oneDNN picks its kernels on the first call
                    unetS = time(() -> unet.forward(sample, t, ctx, added));
                    log("UNet call %dx%d with CFG (batch 2): %.2f s", size, size, unetS);
                    if (profile) {
                        Profiler.reset();
                        Profiler.enable(true);
                        double total = time(() -> unet.forward(sample, t, ctx, added));
                        Profiler.enable(false);
                        printProfile("UNet call", total);
                    }
                }
            }
            if (!skip.contains("vae")) {
                try (AutoencoderKL vae = built(build, "VAE",
                        () -> AutoencoderKL.random(arch.vae(), dt, 3));
                     NDScope scope = new NDScope()) {
                    NDArray z = m.randomNormal(new Shape(1, 4, lat, lat));
                    if (profile) {
                        Profiler.reset();
                        Profiler.enable(true);
                    }
                    vaeS = time(() -> vae.decode(z, tiling()));
                    log("VAE decode %dx%d: %.2f s", size, size, vaeS);
                    if (profile) {
                        Profiler.enable(false);
                        printProfile("VAE decode", vaeS);
                    }
                }
            }
        }
        long rss = peakRssMb();
        if (json) {
            System.out.printf(Locale.ROOT, "{\"family\": \"%s\", \"text_encoder_s\": %s, \"unet_call_s\": %s, "
                    + "\"vae_decode_s\": %s, \"build_s\": %.3f, \"peak_rss_mb\": %d, \"size\": %d, \"threads\": %s, "
                    + "\"dtype\": \"%s\", \"vae_tiled\": %b}%n",
                    arch.name(), num(te), num(unetS), num(vaeS), build[0], rss, size,
                    System.getProperty("ai.djl.pytorch.num_threads"), Precision.name(dt), tiling().applies(size, size));
        } else {
            System.out.printf(Locale.ROOT, "peak RSS: %d MB%n", rss);
        }
        return 0;
    }

    private VaeTiling tiling() {
        return vaeTiling == null ? VaeTiling.AUTO : vaeTiling ? VaeTiling.ON : VaeTiling.OFF;
    }

    private <M> M built(double[] total, String what, Supplier<M> build) {
        long t0 = System.nanoTime();
        M model = build.get();
        double s = secs(t0);
        total[0] += s;
        log("built %s in %.1f s", what, s);
        return model;
    }

    private void printProfile(String what, double total) {
        log("profile of one %s (%.2f s):", what, total);
        double known = 0;
        for (var e : Profiler.totals().entrySet()) {
            double s = e.getValue()[0] / 1e9;
            known += s;
            log("  %-30s %7.2f s %5.1f%%  (%d calls)", e.getKey(), s, 100 * s / total, e.getValue()[1]);
        }
        log("  %-30s %7.2f s %5.1f%%", "other (adds, reshapes, scopes)", total - known, 100 * (total - known) / total);
    }

    private void log(String format, Object... args) {
        (json ? System.err : System.out).printf(Locale.ROOT, format + "%n", args);
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "null" : String.format(Locale.ROOT, "%.3f", v);
    }

    private static double time(Supplier<NDArray> f) {
        try (NDScope s = new NDScope()) {
            long t0 = System.nanoTime();
            NDArray out = f.get();
            out.toFloatArray(); // force completion
            return secs(t0);
        }
    }

    private static double secs(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    /** VmHWM of this process, in MB (Linux). */
    static long peakRssMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
