package dev.diffusion4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.diffusion4j.io.Npy;
import dev.diffusion4j.io.Png;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Assumptions;

/**
 * The golden fixtures of {@code ../shared/fixtures} (made with diffusers), read in place rather than copied into the
 * repository: the model files are several MB each. Override the location with {@code -Dd4j.fixtures=DIR}.
 */
public final class Fixtures {

    /** One case of a {@code cases.json} manifest. */
    public record Case(String name, String kind, JsonObject params, JsonObject inputs, JsonObject expected,
                       JsonObject tolerance, Path dir) {
        @Override
        public String toString() {
            return name;
        }

        public Npy.Array input(String key) {
            return npy(inputs.get(key).getAsString());
        }

        public Npy.Array expected(String key) {
            return npy(expected.get(key).getAsString());
        }

        public Npy.Array npy(String relative) {
            try {
                return Npy.read(dir.resolve(relative));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Asserts {@code actual} against {@code expected[key]} with the manifest's tolerance for that key. */
        public Error check(String key, float[] actual) {
            return checkAgainst(key, expected(key).toFloats(), actual);
        }

        /** Like {@link #check} but against given expected values (for list-valued or sliced expectations). */
        public Error checkAgainst(String key, float[] want, float[] actual) {
            if (want.length != actual.length) {
                throw new AssertionError(name + "/" + key + ": expected " + want.length + " values, got " + actual.length);
            }
            JsonElement tol = tolerance.get(key);
            Error e = Error.of(want, actual);
            if (tol == null || tol.isJsonPrimitive()) {
                for (int i = 0; i < want.length; i++) {
                    if (Float.floatToIntBits(want[i]) != Float.floatToIntBits(actual[i])) {
                        throw new AssertionError(name + "/" + key + ": not bit-exact at " + i + ": expected "
                                + want[i] + ", got " + actual[i] + " (" + e + ")");
                    }
                }
                return e;
            }
            JsonObject t = tol.getAsJsonObject();
            double maxAbs = t.get("max_abs").getAsDouble();
            double relL2 = t.get("rel_l2").getAsDouble();
            assertTrue(e.maxAbs() <= maxAbs && e.relL2() <= relL2,
                    () -> name + "/" + key + ": " + e + " exceeds tolerance max_abs " + maxAbs + ", rel_l2 " + relL2);
            return e;
        }

        /** The manifest's PNG tolerance: every channel within max_abs_uint8, min_fraction_exact of them equal. */
        public void checkPng(String key, BufferedImage actual) {
            String file = expected.get(key).getAsString();
            byte[] want;
            try {
                want = Png.toRgb(Png.read(dir.resolve(file)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            byte[] got = Png.toRgb(actual);
            assertEquals(want.length, got.length, name + "/" + key + " size");
            // a batch's further images (image_png_1, ...) share image_png's tolerance
            JsonObject tol = tolerance.getAsJsonObject(tolerance.has(key) ? key : "image_png");
            int maxAbs = 0;
            int exact = 0;
            for (int i = 0; i < want.length; i++) {
                int d = Math.abs((want[i] & 0xff) - (got[i] & 0xff));
                maxAbs = Math.max(maxAbs, d);
                if (d == 0) exact++;
            }
            double fraction = exact / (double) want.length;
            int worst = maxAbs;
            assertTrue(worst <= tol.get("max_abs_uint8").getAsInt()
                            && fraction >= tol.get("min_fraction_exact").getAsDouble(),
                    () -> name + "/" + key + ": max diff " + worst + ", exact fraction " + fraction);
        }

        public void checkExact(String key, long[] actual) {
            assertArrayEquals(expected(key).toLongs(), actual, name + "/" + key);
        }
    }

    /** max-abs and relative-L2 difference of two arrays. */
    public record Error(double maxAbs, double relL2) {
        public static Error of(float[] want, float[] got) {
            double max = 0;
            double num = 0;
            double den = 0;
            for (int i = 0; i < want.length; i++) {
                double d = (double) got[i] - want[i];
                max = Math.max(max, Math.abs(d));
                num += d * d;
                den += (double) want[i] * want[i];
            }
            if (Double.isNaN(max)) {
                max = Double.POSITIVE_INFINITY;
            }
            return new Error(max, den == 0 ? Math.sqrt(num) : Math.sqrt(num / den));
        }

        @Override
        public String toString() {
            return String.format("max_abs %.3g, rel_l2 %.3g", maxAbs, relL2);
        }
    }

    private Fixtures() {}

    private static final AtomicBoolean TOLD = new AtomicBoolean();

    /**
     * The fixtures folder. Where it is missing, a fixture-backed test is skipped (JUnit's abort) and the run prints
     * once what is missing and how to point at it; with {@code -Dd4j.fixtures.required=true} (what {@code .ci/run}
     * passes) it fails instead, so CI always runs them.
     */
    public static Path root() {
        String override = System.getProperty("d4j.fixtures");
        Path p = override != null ? Path.of(override) : Path.of("..", "shared", "fixtures");
        if (!Files.isDirectory(p)) {
            String why = "golden fixtures not found at " + p.toAbsolutePath().normalize()
                    + ": check out ../shared beside the repository or pass -Dd4j.fixtures=DIR";
            if (Boolean.getBoolean("d4j.fixtures.required")) {
                throw new IllegalStateException(why);
            }
            if (TOLD.compareAndSet(false, true)) {
                System.err.println("SKIPPED fixture-backed tests: " + why);
            }
            Assumptions.abort(why);
        }
        return p;
    }

    public static Path tinySd1() {
        return root().resolve("tiny-sd1");
    }

    /** All cases of {@code <root>/<manifest>/cases.json} whose kind is one of {@code kinds}. */
    public static List<Case> cases(String manifest, String... kinds) {
        Path file = root().resolve(manifest).resolve("cases.json");
        try {
            JsonObject m = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
            List<Case> out = new ArrayList<>();
            for (JsonElement el : m.getAsJsonArray("cases")) {
                JsonObject c = el.getAsJsonObject();
                String kind = c.get("kind").getAsString();
                if (List.of(kinds).contains(kind)) {
                    out.add(new Case(c.get("name").getAsString(), kind, obj(c, "params"), obj(c, "inputs"),
                            obj(c, "expected"), obj(c, "tolerance"), file.getParent()));
                }
            }
            if (out.isEmpty()) {
                throw new IllegalStateException(file + " has no cases of kind " + List.of(kinds));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonObject obj(JsonObject c, String key) {
        return c.has(key) && c.get(key).isJsonObject() ? c.getAsJsonObject(key) : new JsonObject();
    }
}
