package dev.diffusion4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.diffusion4j.tensor.Precision;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/** Strict loading of a module tree from named tensors, and random initialisation from a config. */
public final class Weights {

    private Weights() {}

    /**
     * Loads every parameter of {@code root} from {@code source}. Strict: a missing key, an unexpected key (unless
     * {@code ignorable} accepts it) or a wrong shape fails with one message naming the source, the keys and both
     * shapes; nothing is loaded in that case.
     *
     * @param prefix prepended to each parameter name to find it in the source (e.g. {@code "text_model."}), or ""
     */
    public static void load(Module root, WeightSource source, String prefix, NDManager manager, DataType dtype,
                            Predicate<String> ignorable) {
        Map<String, Parameter> params = root.namedParameters();
        List<String> problems = new ArrayList<>();
        Set<String> expected = new TreeSet<>();
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            String key = prefix + e.getKey();
            expected.add(key);
            if (!source.names().contains(key)) {
                problems.add("missing key " + key + " (expected shape " + e.getValue().shape() + ")");
                continue;
            }
            Shape actual = source.shape(key);
            if (!actual.equals(e.getValue().shape())) {
                problems.add("key " + key + " has shape " + actual + ", expected " + e.getValue().shape());
            }
        }
        for (String name : new TreeSet<>(source.names())) {
            if (name.startsWith(prefix) && !expected.contains(name) && !ignorable.test(name)) {
                problems.add("unexpected key " + name + " " + source.shape(name));
            }
        }
        if (!problems.isEmpty()) {
            int shown = Math.min(problems.size(), 8);
            String more = problems.size() > shown ? " (and " + (problems.size() - shown) + " more)" : "";
            throw new WeightsException(source.describe() + ": " + String.join("; ", problems.subList(0, shown)) + more);
        }
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            e.getValue().set(loadAs(source, prefix + e.getKey(), manager, dtype));
        }
    }

    /**
     * One tensor in {@code dtype}. bf16 is read as float32 and converted once here (sources cannot make bf16 arrays
     * through DJL; see {@link Precision}), so only one float32 tensor at a time exists beside the bf16 weights.
     */
    private static NDArray loadAs(WeightSource source, String key, NDManager manager, DataType dtype) {
        if (dtype != DataType.BFLOAT16) {
            return source.load(key, manager, dtype);
        }
        try (NDArray wide = source.load(key, manager, DataType.FLOAT32)) {
            return Precision.cast(wide, dtype);
        }
    }

    /**
     * Initialises every parameter like torch's defaults: weights {@code U(-1/√fan_in, 1/√fan_in)} (norm weights 1,
     * norm and other 1-D biases 0 or the same uniform), so a model built from a config computes sensible magnitudes.
     */
    public static void initRandom(Module root, NDManager manager, DataType dtype, long seed) {
        manager.getEngine().setRandomSeed((int) seed);
        initTree(root, manager, dtype);
    }

    private static void initTree(Module m, NDManager manager, DataType dtype) {
        boolean norm = m instanceof LayerNorm || m instanceof GroupNorm;
        for (Map.Entry<String, Parameter> e : m.namedParametersLocal().entrySet()) {
            Parameter p = e.getValue();
            Shape s = p.shape();
            // drawn in float32 whatever the dtype, so a seed gives the same weights (rounded) in every dtype
            NDArray v;
            if (norm) {
                v = e.getKey().equals("weight") ? manager.ones(s) : manager.zeros(s);
            } else if (m instanceof Embedding) {
                v = manager.randomNormal(0, 0.02f, s, DataType.FLOAT32);
            } else {
                long fanIn = s.dimension() > 1 ? s.size() / s.get(0) : Math.max(1, s.get(0));
                float bound = (float) (1 / Math.sqrt(fanIn));
                v = manager.randomUniform(-bound, bound, s, DataType.FLOAT32);
            }
            NDArray typed = Precision.cast(v, dtype);
            if (typed != v) {
                v.close();
            }
            p.set(typed);
        }
        for (Module c : m.children().values()) {
            initTree(c, manager, dtype);
        }
    }
}
