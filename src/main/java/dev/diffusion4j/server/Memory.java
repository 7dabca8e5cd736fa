package dev.diffusion4j.server;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A1111's {@code /sdapi/v1/memory}: {@code ram} {free, used, total} in bytes, with {@code used} this process's
 * resident set (the weights live in libtorch, outside the Java heap) and {@code total} the machine's memory; and
 * {@code cuda}, which a CPU engine reports as unavailable, as A1111 does without CUDA.
 */
final class Memory {

    private Memory() {}

    static JsonObject report() {
        JsonObject ram = new JsonObject();
        try {
            long rss = kilobytes(Path.of("/proc/self/status"), "VmRSS:") * 1024;
            long total = kilobytes(Path.of("/proc/meminfo"), "MemTotal:") * 1024;
            ram.addProperty("free", total - rss);
            ram.addProperty("used", rss);
            ram.addProperty("total", total);
        } catch (IOException | RuntimeException e) {
            ram.addProperty("error", "memory figures unavailable: " + e.getMessage());
        }
        JsonObject heap = new JsonObject();
        Runtime rt = Runtime.getRuntime();
        heap.addProperty("used", rt.totalMemory() - rt.freeMemory());
        heap.addProperty("max", rt.maxMemory());
        JsonObject cuda = new JsonObject();
        cuda.addProperty("error", "unavailable");
        JsonObject out = new JsonObject();
        out.add("ram", ram);
        out.add("cuda", cuda);
        out.add("java_heap", heap);
        return out;
    }

    private static long kilobytes(Path file, String key) throws IOException {
        for (String line : Files.readAllLines(file)) {
            if (line.startsWith(key)) {
                return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]);
            }
        }
        throw new IOException(file + " has no " + key);
    }
}
