package dev.diffusion4j.models;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.diffusion4j.io.SafeTensors;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Assumptions;

/** Locating the golden fixtures as {@code dev.diffusion4j.Fixtures} does, but skipping when they are absent. */
final class ModelFixtures {

    private ModelFixtures() {}

    static Path root() {
        String override = System.getProperty("d4j.fixtures");
        Path p = override != null ? Path.of(override) : Path.of("..", "shared", "fixtures");
        Assumptions.assumeTrue(Files.isDirectory(p), "golden fixtures not found at " + p.toAbsolutePath()
                + " (pass -Dd4j.fixtures=DIR): skipped");
        return p;
    }

    static Map<String, long[]> shapes(SafeTensors file) {
        Map<String, long[]> out = new TreeMap<>();
        for (String name : file.names()) {
            out.put(name, file.info(name).shape());
        }
        return out;
    }

    /** A family-headers manifest's tensors and buffers: every key of the published file with its shape. */
    static Map<String, long[]> header(Path json) throws IOException {
        JsonObject m = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        Map<String, long[]> out = new TreeMap<>();
        for (String section : new String[] {"tensors", "buffers"}) {
            if (m.has(section)) {
                m.getAsJsonObject(section).entrySet().forEach(e -> out.put(e.getKey(), shape(e.getValue())));
            }
        }
        return out;
    }

    static Map<String, long[]> buffers(Path json) throws IOException {
        JsonObject m = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        Map<String, long[]> out = new TreeMap<>();
        if (m.has("buffers")) {
            m.getAsJsonObject("buffers").entrySet().forEach(e -> out.put(e.getKey(), shape(e.getValue())));
        }
        return out;
    }

    private static long[] shape(JsonElement tensor) {
        var dims = tensor.getAsJsonObject().getAsJsonArray("shape");
        long[] s = new long[dims.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = dims.get(i).getAsLong();
        }
        return s;
    }

    /**
     * The parameter names and shapes of a project module built from {@code config} without weights: the package-private
     * {@code (config, NDManager)} constructor with a null manager allocates nothing (see {@code nn.Model}).
     */
    static Map<String, long[]> parameters(Class<?> model, Object config) throws ReflectiveOperationException {
        Constructor<?> c = model.getDeclaredConstructor(config.getClass(), ai.djl.ndarray.NDManager.class);
        c.setAccessible(true);
        dev.diffusion4j.nn.Module module = (dev.diffusion4j.nn.Module) c.newInstance(config, null);
        Map<String, long[]> out = new LinkedHashMap<>();
        module.namedParameters().forEach((name, p) -> out.put(name, p.shape().getShape()));
        return out;
    }
}
