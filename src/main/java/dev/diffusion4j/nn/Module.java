package dev.diffusion4j.nn;

import ai.djl.ndarray.types.Shape;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A node of a model tree: named children and named parameters. Names are the checkpoint's key segments, so the weight
 * {@code down_blocks.0.resnets.1.conv1.weight} is found by walking {@code down_blocks → 0 → resnets → 1 → conv1}.
 * Each module exposes its own typed forward method; this class only knows names.
 */
public abstract class Module {

    private final Map<String, Module> children = new LinkedHashMap<>();
    private final Map<String, Parameter> parameters = new LinkedHashMap<>();

    /** Registers a child under its checkpoint name and returns it, for {@code final Linear to_q = child("to_q", ...)}. */
    protected final <M extends Module> M child(String name, M module) {
        if (children.putIfAbsent(name, module) != null || parameters.containsKey(name)) {
            throw new IllegalStateException("duplicate module name " + name);
        }
        return module;
    }

    /** Registers a parameter of the given shape under its checkpoint name. */
    protected final Parameter param(String name, long... shape) {
        Parameter p = new Parameter(new Shape(shape));
        if (parameters.putIfAbsent(name, p) != null || children.containsKey(name)) {
            throw new IllegalStateException("duplicate parameter name " + name);
        }
        return p;
    }

    public final Map<String, Module> children() {
        return Collections.unmodifiableMap(children);
    }

    /** Every parameter of this subtree by its full dotted name, in registration order. */
    public final Map<String, Parameter> namedParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        collect("", out);
        return out;
    }

    private void collect(String prefix, Map<String, Parameter> out) {
        parameters.forEach((n, p) -> out.put(prefix + n, p));
        children.forEach((n, c) -> c.collect(prefix + n + ".", out));
    }

    Map<String, Parameter> namedParametersLocal() {
        return Collections.unmodifiableMap(parameters);
    }

    /** Total number of scalar weights in this subtree. */
    public final long parameterCount() {
        return namedParameters().values().stream().mapToLong(p -> p.shape().size()).sum();
    }
}
