package dev.diffusion4j.random;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.diffusion4j.Fixtures;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every torch-rng golden (both kernels, all four kinds) reproduced bit for bit. */
class TorchGeneratorConformanceTest {

    static List<Fixtures.Case> cases() {
        return Fixtures.cases("torch-rng", "torch_randn", "torch_rand", "torch_randn_sequence", "torch_mixed_sequence");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesTorch(Fixtures.Case c) {
        JsonObject p = c.params();
        TorchGenerator.Kernel kernel = c.name().startsWith("avx2/") ? TorchGenerator.Kernel.AVX2
                : TorchGenerator.Kernel.SCALAR;
        TorchGenerator g = new TorchGenerator(p.get("seed").getAsLong(), kernel);
        boolean f64 = "float64".equals(p.get("dtype").getAsString());

        List<String> ops = new ArrayList<>();
        List<long[]> shapes = new ArrayList<>();
        switch (c.kind()) {
            case "torch_randn" -> add(ops, shapes, "randn", p.get("shape"));
            case "torch_rand" -> add(ops, shapes, "rand", p.get("shape"));
            case "torch_randn_sequence" -> p.getAsJsonArray("shapes").forEach(s -> add(ops, shapes, "randn", s));
            case "torch_mixed_sequence" -> p.getAsJsonArray("calls").forEach(call -> {
                JsonArray a = call.getAsJsonArray();
                add(ops, shapes, a.get(0).getAsString(), a.get(1));
            });
            default -> throw new IllegalArgumentException(c.kind());
        }

        JsonElement expected = c.expected().get("values");
        List<String> files = new ArrayList<>();
        if (expected.isJsonArray()) {
            expected.getAsJsonArray().forEach(e -> files.add(e.getAsString()));
        } else {
            files.add(expected.getAsString());
        }
        assertEquals(ops.size(), files.size(), c.name() + ": calls vs expected files");

        for (int i = 0; i < ops.size(); i++) {
            String op = ops.get(i);
            long[] shape = shapes.get(i);
            if (f64) {
                double[] got = op.equals("randn") ? g.randnDouble(shape) : g.randDouble(shape);
                double[] want = c.npy(files.get(i)).toDoubles();
                assertEquals(want.length, got.length, c.name() + " call " + i);
                for (int k = 0; k < want.length; k++) {
                    if (Double.doubleToRawLongBits(want[k]) != Double.doubleToRawLongBits(got[k])) {
                        throw new AssertionError(c.name() + " call " + i + ": not bit-exact at " + k + ": expected "
                                + want[k] + ", got " + got[k]);
                    }
                }
            } else {
                float[] got = op.equals("randn") ? g.randn(shape) : g.rand(shape);
                c.checkAgainst("values", c.npy(files.get(i)).toFloats(), got);
            }
        }
    }

    private static void add(List<String> ops, List<long[]> shapes, String op, JsonElement shape) {
        JsonArray a = shape.getAsJsonArray();
        long[] s = new long[a.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = a.get(i).getAsLong();
        }
        ops.add(op);
        shapes.add(s);
    }
}
