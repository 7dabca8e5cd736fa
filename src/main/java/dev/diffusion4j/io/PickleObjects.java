package dev.diffusion4j.io;

import dev.diffusion4j.io.Pickle.Invalid;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the allowed {@link PickleGlobal}s build: plain Java values made here, with every argument checked, instead of
 * the Python callables a pickle names. Torch tensors become {@link TensorRef}s whose every element is proven to lie
 * in its storage.
 */
final class PickleObjects {

    /** Deepest nesting of containers accepted; state dicts nest two or three levels. */
    static final int MAX_DEPTH = 100;
    /** Most dimensions of a tensor (libtorch's own limit is 64 too). */
    static final int MAX_DIMS = 64;

    /**
     * An instance of an allowed class that carries no data we use (a Lightning {@code ModelCheckpoint} callback, a
     * {@code ParameterDict} module): a map of its pickled attributes plus {@code "__class__"}.
     */
    static final class InertObject extends LinkedHashMap<Object, Object> {
        InertObject(PickleGlobal cls) {
            put("__class__", cls.qualifiedName());
        }
    }

    Object reduce(Object callable, Object args) throws Invalid {
        PickleGlobal g = requireGlobal(callable, "REDUCE");
        List<Object> a = requireTuple(args, g);
        return switch (g.kind) {
            case ORDERED_DICT -> {
                requireArgs(a, g, 0, 0);
                yield new LinkedHashMap<>();
            }
            case SET -> {
                requireArgs(a, g, 0, 1);
                Set<Object> set = new LinkedHashSet<>();
                if (a.size() == 1) {
                    if (!(a.get(0) instanceof List<?> items)) {
                        throw new Invalid(g.qualifiedName() + "() of " + typeName(a.get(0)) + ", expected a list");
                    }
                    for (Object item : items) {
                        set.add(requireHashable(item));
                    }
                }
                yield set;
            }
            case CODECS_ENCODE -> {
                requireArgs(a, g, 2, 2);
                if (!(a.get(0) instanceof String s) || !("latin1".equals(a.get(1)) || "latin-1".equals(a.get(1)))) {
                    throw new Invalid(g.qualifiedName() + " supports only (str, 'latin1')");
                }
                yield s.getBytes(StandardCharsets.ISO_8859_1);
            }
            case SIZE -> {
                requireArgs(a, g, 0, 1);
                yield a.isEmpty() ? Pickle.tuple(List.of()) : Pickle.tuple(List.copyOf(longs(a.get(0), "size")));
            }
            case REBUILD_TENSOR -> {
                requireArgs(a, g, 6, 7); // storage, offset, size, stride, requires_grad, hooks[, metadata]
                yield tensor(a);
            }
            case REBUILD_PARAMETER -> {
                requireArgs(a, g, 3, 4); // data, requires_grad, hooks[, state]
                if (!(a.get(0) instanceof TensorRef t)) {
                    throw new Invalid(g.qualifiedName() + " of " + typeName(a.get(0)) + ", expected a tensor");
                }
                yield t;
            }
            case STORAGE, DTYPE, INERT_CLASS -> throw new Invalid("calling " + g.qualifiedName()
                    + " is not supported");
        };
    }

    Object newObject(Object cls, Object args) throws Invalid {
        PickleGlobal g = requireGlobal(cls, "NEWOBJ");
        requireTuple(args, g);
        return switch (g.kind) {
            case INERT_CLASS -> new InertObject(g);
            case ORDERED_DICT -> new LinkedHashMap<>();
            default -> throw new Invalid("NEWOBJ of " + g.qualifiedName() + " is not supported");
        };
    }

    /** BUILD: sets the pickled attributes of an inert object; a dict may only receive empty state. */
    void build(Object target, Object state) throws Invalid {
        if (target instanceof InertObject o) {
            Object attributes = state instanceof List<?> pair && pair.size() == 2 ? pair.get(0) : state;
            Object slots = state instanceof List<?> pair && pair.size() == 2 ? pair.get(1) : null;
            for (Object part : new Object[] {attributes, slots}) {
                if (part instanceof Map<?, ?> m) {
                    o.putAll(m);
                } else if (part != null) {
                    throw new Invalid("BUILD of " + o.get("__class__") + " with " + typeName(part)
                            + " state, expected a dict");
                }
            }
        } else if (!(target instanceof LinkedHashMap<?, ?> && (state == null
                || state instanceof Map<?, ?> m && m.isEmpty()))) {
            throw new Invalid("BUILD on " + typeName(target) + " is not supported");
        }
    }

    /** BINPERSID: {@code ('storage', storage class, key, location, numel)}, torch's zip format. */
    Object persistentLoad(Object pid) throws Invalid {
        if (!(pid instanceof List<?> t) || t.size() != 5 || !"storage".equals(t.get(0))) {
            throw new Invalid("persistent id is " + typeName(pid) + ", expected ('storage', type, key, location,"
                    + " numel)");
        }
        if (!(t.get(1) instanceof PickleGlobal g) || g.kind != PickleGlobal.Kind.STORAGE) {
            throw new Invalid("persistent id names " + typeName(t.get(1)) + ", expected a storage class");
        }
        if (!(t.get(2) instanceof String key) || !key.matches("[A-Za-z0-9_.-]{1,100}") || key.startsWith(".")) {
            throw new Invalid("storage key is not a plain name: "
                    + (t.get(2) instanceof String s ? "'" + PickleLiterals.printable(s) + "'" : typeName(t.get(2))));
        }
        if (!(t.get(3) instanceof String)) {
            throw new Invalid("storage '" + key + "': location is " + typeName(t.get(3)) + ", expected a string");
        }
        long numel = nonNegative(t.get(4), "storage '" + key + "' numel");
        return new PickleStorage(g.storageType, key, numel);
    }

    private static TensorRef tensor(List<Object> a) throws Invalid {
        if (!(a.get(0) instanceof PickleStorage s)) {
            throw new Invalid("_rebuild_tensor_v2 of " + typeName(a.get(0)) + ", expected a storage");
        }
        String what = "tensor over storage '" + s.key() + "'";
        long offset = nonNegative(a.get(1), what + ": offset");
        List<Long> size = longs(a.get(2), what + ": size");
        List<Long> stride = longs(a.get(3), what + ": stride");
        if (size.size() != stride.size() || size.size() > MAX_DIMS) {
            throw new Invalid(what + ": size " + size + " and stride " + stride + " must have the same length, at"
                    + " most " + MAX_DIMS);
        }
        long[] shape = new long[size.size()];
        long[] strides = new long[size.size()];
        long count = 1;
        long last = offset; // the storage index of the last element
        try {
            for (int i = 0; i < shape.length; i++) {
                shape[i] = size.get(i);
                strides[i] = stride.get(i);
                if (shape[i] < 0 || strides[i] < 0) {
                    throw new Invalid(what + ": negative size or stride: size " + size + ", stride " + stride);
                }
                count = Math.multiplyExact(count, shape[i]);
                if (shape[i] > 0) {
                    last = Math.addExact(last, Math.multiplyExact(shape[i] - 1, strides[i]));
                }
            }
        } catch (ArithmeticException e) {
            throw new Invalid(what + ": size " + size + ", stride " + stride + " overflow a 64-bit index");
        }
        if (count > 0 && last >= s.numel()) {
            throw new Invalid(what + ": size " + size + ", stride " + stride + ", offset " + offset
                    + " reach element " + last + " of a storage of " + s.numel());
        }
        return new TensorRef(s.dtype(), shape, strides, offset, s.key(), s.numel());
    }

    /**
     * Rejects a cycle or nesting deeper than {@link #MAX_DEPTH}: iterative, each container visited once, so a
     * shared sub-tree referenced many times costs nothing extra.
     */
    static void checkTree(Object root) throws Invalid {
        if (!isContainer(root)) {
            return;
        }
        Set<Object> done = Collections.newSetFromMap(new IdentityHashMap<>());
        Set<Object> onPath = Collections.newSetFromMap(new IdentityHashMap<>());
        Deque<Object> path = new ArrayDeque<>();
        Deque<Iterator<Object>> pending = new ArrayDeque<>();
        path.push(root);
        pending.push(children(root).iterator());
        onPath.add(root);
        while (!path.isEmpty()) {
            Iterator<Object> it = pending.peek();
            if (!it.hasNext()) {
                Object finished = path.pop();
                pending.pop();
                onPath.remove(finished);
                done.add(finished);
                continue;
            }
            Object child = it.next();
            if (!isContainer(child) || done.contains(child)) {
                continue;
            }
            if (onPath.contains(child)) {
                throw new Invalid("the object tree contains a cycle (a container inside itself)");
            }
            if (path.size() >= MAX_DEPTH) {
                throw new Invalid("containers nested deeper than " + MAX_DEPTH + " levels");
            }
            path.push(child);
            pending.push(children(child).iterator());
            onPath.add(child);
        }
    }

    private static boolean isContainer(Object o) {
        return o instanceof Map<?, ?> || o instanceof Collection<?>;
    }

    @SuppressWarnings("unchecked")
    private static Collection<Object> children(Object container) {
        return container instanceof Map<?, ?> m ? (Collection<Object>) m.values() : (Collection<Object>) container;
    }

    /** Dict keys and set items: scalars only, so hashing never walks a hostile structure. */
    static Object requireHashable(Object key) throws Invalid {
        if (key == null || key instanceof String || key instanceof Long || key instanceof BigInteger
                || key instanceof Double || key instanceof Boolean) {
            return key;
        }
        throw new Invalid("a " + typeName(key) + " as dict key or set item is not supported (only str, int, float,"
                + " bool, None)");
    }

    /** Python's name for the type of a value, for messages (never the value: it may be huge or hostile). */
    static String typeName(Object o) {
        if (o == null) {
            return "None";
        } else if (o instanceof String) {
            return "str";
        } else if (o instanceof Long || o instanceof BigInteger) {
            return "int";
        } else if (o instanceof Double) {
            return "float";
        } else if (o instanceof Boolean) {
            return "bool";
        } else if (o instanceof byte[]) {
            return "bytes";
        } else if (o instanceof InertObject obj) {
            return String.valueOf(obj.get("__class__"));
        } else if (o instanceof Map<?, ?>) {
            return "dict";
        } else if (o instanceof List<?> l) {
            return l instanceof ArrayList<?> ? "list" : "tuple of " + l.size();
        } else if (o instanceof Set<?>) {
            return "set";
        } else if (o instanceof PickleGlobal g) {
            return "global " + g.qualifiedName();
        } else if (o instanceof TensorRef) {
            return "tensor";
        } else if (o instanceof PickleStorage) {
            return "storage";
        }
        return o.getClass().getSimpleName();
    }

    private static PickleGlobal requireGlobal(Object callable, String opcode) throws Invalid {
        if (!(callable instanceof PickleGlobal g)) {
            throw new Invalid(opcode + " on " + typeName(callable) + ", expected an allowed global");
        }
        return g;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> requireTuple(Object args, PickleGlobal g) throws Invalid {
        if (!(args instanceof List<?>) || args instanceof ArrayList<?>) {
            throw new Invalid(g.qualifiedName() + ": arguments are " + typeName(args) + ", expected a tuple");
        }
        return (List<Object>) args;
    }

    private static void requireArgs(List<Object> a, PickleGlobal g, int min, int max) throws Invalid {
        if (a.size() < min || a.size() > max) {
            throw new Invalid(g.qualifiedName() + " takes " + (min == max ? "" + min : min + " to " + max)
                    + " arguments, got " + a.size());
        }
    }

    private static List<Long> longs(Object o, String what) throws Invalid {
        if (!(o instanceof List<?> l) || l.size() > MAX_DIMS) {
            throw new Invalid(what + " is " + typeName(o) + ", expected a tuple of at most " + MAX_DIMS + " ints");
        }
        List<Long> out = new ArrayList<>();
        for (Object v : l) {
            if (!(v instanceof Long n)) {
                throw new Invalid(what + " holds " + typeName(v) + ", expected ints");
            }
            out.add(n);
        }
        return out;
    }

    private static long nonNegative(Object o, String what) throws Invalid {
        if (!(o instanceof Long n) || n < 0) {
            throw new Invalid(what + " is " + (o instanceof Long n ? n : typeName(o)) + ", expected an int >= 0");
        }
        return n;
    }
}
