package dev.diffusion4j.cli;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.util.Utils;
import dev.diffusion4j.tensor.Engines;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code d4j info}: what this machine and the tensor engine offer. */
@Command(name = "info", description = "Show the tensor engine, thread counts, CPU features and cache location.")
final class InfoCommand implements Runnable {

    private static final List<String> INTERESTING = List.of("avx", "avx2", "fma", "f16c", "avx512f", "avx512bw",
            "avx512vl", "avx512_bf16", "avx512_fp16", "avx512_vnni", "amx_tile", "sse4_2");

    @Option(names = "--threads", description = "libtorch intra-op threads (default: all cores).")
    int threads;

    @Override
    public void run() {
        Engine engine = Engines.start(threads);
        System.out.println("diffusion4j   " + new D4j.Version().getVersion()[0]);
        System.out.println("java          " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")");
        System.out.println("engine        " + engine.getEngineName() + " " + engine.getVersion());
        System.out.println("intra-op      " + JniUtils.getNumThreads() + " threads");
        System.out.println("inter-op      " + JniUtils.getNumInteropThreads() + " threads");
        System.out.println("cores         " + Runtime.getRuntime().availableProcessors());
        System.out.println("max heap      " + Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB");
        System.out.println("cpu           " + cpuModel());
        System.out.println("cpu features  " + cpuFeatures());
        System.out.println("djl cache     " + Utils.getEngineCacheDir());
        System.out.println("offline       " + System.getProperty("ai.djl.offline"));
    }

    private static String cpuModel() {
        return cpuinfo("model name").orElse(System.getProperty("os.arch"));
    }

    private static String cpuFeatures() {
        return cpuinfo("flags").map(f -> {
            TreeSet<String> have = Arrays.stream(f.split("\\s+")).collect(Collectors.toCollection(TreeSet::new));
            return INTERESTING.stream().filter(have::contains).collect(Collectors.joining(" "));
        }).orElse("unknown");
    }

    private static Optional<String> cpuinfo(String key) {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .filter(l -> l.startsWith(key))
                    .map(l -> l.substring(l.indexOf(':') + 1).strip())
                    .findFirst();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
