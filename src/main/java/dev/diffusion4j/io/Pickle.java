package dev.diffusion4j.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A restricted interpreter of Python's pickle format (opcodes of protocols 0 to 5) that can only build data: dicts,
 * lists, tuples, sets, strings, bytes, numbers, booleans, None, and the torch tensors and storages of a checkpoint.
 *
 * <p><b>Why this cannot run code.</b> Python's unpickler executes a pickle: {@code GLOBAL} imports any callable and
 * {@code REDUCE} calls it, which is how a malicious {@code .ckpt} runs {@code os.system}. Here a global is looked up
 * in the fixed table {@link PickleGlobal} at the {@code GLOBAL} / {@code STACK_GLOBAL} opcode, before any object is
 * built from it, and anything not in the table ends the load with an {@link IOException} naming it. A table entry is
 * never a Java callable either: {@link PickleObjects} builds a plain value for it ({@code OrderedDict} → a
 * {@link LinkedHashMap}, {@code _rebuild_tensor_v2} → a checked {@link TensorRef}). So auditing the loader means
 * reading one short enum, not following every opcode. Opcodes that instantiate classes by name ({@code INST},
 * {@code OBJ}), the extension registry ({@code EXT*}), text persistent ids and out-of-band buffers are refused.
 *
 * <p><b>Hostile input</b> ends in an {@link IOException} naming the source and the opcode's byte offset, never in
 * another throwable: every length is checked against the remaining input before anything is allocated, so stack,
 * memo and values together stay within a small multiple of the input's size; the interpreter is a loop (no recursion
 * a nested input could exhaust), and the finished tree is checked, iteratively, to be acyclic and at most
 * {@link PickleObjects#MAX_DEPTH} deep, so callers may walk it recursively.
 */
final class Pickle {

    /** A malformed or refused stream; {@link #load} adds the source and the offset. */
    static final class Invalid extends Exception {
        Invalid(String message) {
            super(message);
        }
    }

    private final String source;
    private final byte[] in;
    private int pos;
    private final List<Object> stack = new ArrayList<>();
    private int[] marks = new int[16];
    private int markCount;
    private final Map<Long, Object> memo = new HashMap<>();
    private final PickleObjects objects = new PickleObjects();

    private Pickle(String source, byte[] in) {
        this.source = source;
        this.in = in;
    }

    /**
     * Unpickles {@code data}.
     *
     * @param source names the stream in error messages, e.g. {@code "model.ckpt: archive/data.pkl"}
     * @throws IOException for a malformed stream or a refused global or opcode, naming {@code source} and the offset
     */
    static Object load(String source, byte[] data) throws IOException {
        Pickle p = new Pickle(source, data);
        int op = 0;
        try {
            while (true) {
                op = p.pos;
                if (p.step()) {
                    Object root = p.pop();
                    PickleObjects.checkTree(root);
                    return root;
                }
            }
        } catch (Invalid e) {
            throw new IOException(source + ": at byte " + op + ": " + e.getMessage(), e);
        }
    }

    /** Runs one opcode; true at {@code STOP}. */
    private boolean step() throws Invalid {
        int code = u8();
        switch (code) {
            case 0x80 -> { // PROTO
                int v = u8();
                if (v > 5) {
                    throw new Invalid("pickle protocol " + v + " is newer than 5");
                }
            }
            case 0x95 -> need(8).pos += 8; // FRAME: a read-ahead hint, the opcodes follow inline
            case '.' -> { // STOP
                if (stack.size() != 1 || markCount != 0) {
                    throw new Invalid("STOP with " + stack.size() + " values and " + markCount
                            + " marks on the stack, expected one value");
                }
                return true;
            }
            case '(' -> mark();
            case '0' -> pop();
            case '1' -> popMark();
            case '2' -> push(peek());
            case 'N' -> push(null);
            case 0x88 -> push(Boolean.TRUE);
            case 0x89 -> push(Boolean.FALSE);
            case 'J' -> push((long) leInt(4));
            case 'K' -> push((long) u8());
            case 'M' -> push((long) (leInt(2) & 0xffff));
            case 0x8a -> push(PickleLiterals.signedLittleEndian(bytes(u8())));
            case 0x8b -> push(PickleLiterals.signedLittleEndian(bytes(length(leInt(4) & 0xffffffffL))));
            case 'I' -> push(PickleLiterals.parseInt(line()));
            case 'L' -> push(PickleLiterals.parseInt(PickleLiterals.stripSuffix(line(), "L")));
            case 'F' -> push(PickleLiterals.parseFloat(line()));
            case 'G' -> push(ByteBuffer.wrap(bytes(8)).getDouble());
            case 'X' -> push(PickleLiterals.utf8(bytes(length(leInt(4) & 0xffffffffL))));
            case 0x8c -> push(PickleLiterals.utf8(bytes(u8())));
            case 0x8d -> push(PickleLiterals.utf8(bytes(length(leLong()))));
            case 'T' -> push(PickleLiterals.latin1(bytes(length(leInt(4)))));
            case 'U' -> push(PickleLiterals.latin1(bytes(u8())));
            case 'B' -> push(bytes(length(leInt(4) & 0xffffffffL)));
            case 'C' -> push(bytes(u8()));
            case 0x8e, 0x96 -> push(bytes(length(leLong()))); // BINBYTES8, BYTEARRAY8
            case ')' -> push(tuple(List.of()));
            case 't' -> push(tuple(popToMark()));
            case 0x85 -> push(tuple(popN(1)));
            case 0x86 -> push(tuple(popN(2)));
            case 0x87 -> push(tuple(popN(3)));
            case ']' -> push(new ArrayList<>());
            case 'l' -> push(new ArrayList<>(popToMark()));
            case 'a' -> appendAll(Collections.singletonList(pop()));
            case 'e' -> appendAll(popToMark());
            case '}' -> push(new LinkedHashMap<>());
            case 'd' -> {
                Map<Object, Object> d = new LinkedHashMap<>();
                putAll(d, popToMark());
                push(d);
            }
            case 's' -> {
                List<Object> kv = popN(2);
                putAll(dictOnStack(), kv);
            }
            case 'u' -> {
                List<Object> kv = popToMark();
                putAll(dictOnStack(), kv);
            }
            case 0x8f -> push(new LinkedHashSet<>());
            case 0x90 -> {
                List<Object> items = popToMark();
                if (!(peek() instanceof LinkedHashSet<?>)) {
                    throw new Invalid("ADDITEMS on " + PickleObjects.typeName(peek()) + ", expected a set");
                }
                @SuppressWarnings("unchecked")
                Set<Object> set = (Set<Object>) peek();
                for (Object item : items) {
                    set.add(PickleObjects.requireHashable(item));
                }
            }
            case 0x91 -> { // FROZENSET
                Set<Object> set = new LinkedHashSet<>();
                for (Object item : popToMark()) {
                    set.add(PickleObjects.requireHashable(item));
                }
                push(Collections.unmodifiableSet(set));
            }
            case 'q' -> memo.put((long) u8(), peek());
            case 'r' -> memo.put(leInt(4) & 0xffffffffL, peek());
            case 'p' -> memo.put(PickleLiterals.parseIndex(line()), peek());
            case 0x94 -> memo.put((long) memo.size(), peek()); // MEMOIZE
            case 'h' -> push(memoGet(u8()));
            case 'j' -> push(memoGet(leInt(4) & 0xffffffffL));
            case 'g' -> push(memoGet(PickleLiterals.parseIndex(line())));
            case 'c' -> push(global(line(), line()));
            case 0x93 -> { // STACK_GLOBAL
                List<Object> mn = popN(2);
                if (!(mn.get(0) instanceof String module) || !(mn.get(1) instanceof String name)) {
                    throw new Invalid("STACK_GLOBAL needs two strings, got " + PickleObjects.typeName(mn.get(0))
                            + " and " + PickleObjects.typeName(mn.get(1)));
                }
                push(global(module, name));
            }
            case 'R' -> {
                Object args = pop();
                push(objects.reduce(pop(), args));
            }
            case 0x81 -> { // NEWOBJ
                Object args = pop();
                push(objects.newObject(pop(), args));
            }
            case 'b' -> {
                Object state = pop();
                objects.build(peek(), state);
            }
            case 'Q' -> push(objects.persistentLoad(pop()));
            case 'i', 'o' -> throw new Invalid("opcode " + (char) code
                    + " (INST/OBJ: instantiate a class by name) is not allowed (only tensors and plain containers"
                    + " are loaded; the file may be malicious)");
            case 'P' -> throw new Invalid("text persistent ids (PERSID) are not supported");
            case 0x82, 0x83, 0x84 -> throw new Invalid("extension-registry opcodes (EXT1/2/4) are not allowed");
            case 0x92 -> throw new Invalid("NEWOBJ_EX is not supported");
            case 'S', 'V' -> throw new Invalid("protocol-0 quoted strings (STRING/UNICODE) are not supported");
            case 0x97, 0x98 -> throw new Invalid("out-of-band buffers (NEXT_BUFFER/READONLY_BUFFER) are not supported");
            default -> throw new Invalid(String.format("unknown opcode 0x%02x", code));
        }
        return false;
    }

    private Object global(String module, String name) throws Invalid {
        PickleGlobal g = PickleGlobal.lookup(module, name);
        if (g == null) {
            throw new Invalid("global '" + PickleLiterals.printable(module) + " " + PickleLiterals.printable(name) + "' is not allowed (only"
                    + " tensors and plain containers are loaded; the file may be malicious)");
        }
        return g;
    }

    // ---- stack, marks, memo

    private void push(Object o) {
        stack.add(o);
    }

    private Object pop() throws Invalid {
        if (stack.size() <= floor()) {
            throw new Invalid(stack.isEmpty() ? "stack underflow" : "stack underflow (only a mark left)");
        }
        return stack.remove(stack.size() - 1);
    }

    private Object peek() throws Invalid {
        if (stack.size() <= floor()) {
            throw new Invalid("stack underflow");
        }
        return stack.get(stack.size() - 1);
    }

    /** The stack index below which the innermost mark protects the values. */
    private int floor() {
        return markCount == 0 ? 0 : marks[markCount - 1];
    }

    private List<Object> popN(int n) throws Invalid {
        if (stack.size() - floor() < n) {
            throw new Invalid("stack underflow: needs " + n + " values, has " + (stack.size() - floor()));
        }
        List<Object> top = stack.subList(stack.size() - n, stack.size());
        List<Object> out = new ArrayList<>(top);
        top.clear();
        return out;
    }

    private void mark() {
        if (markCount == marks.length) {
            marks = Arrays.copyOf(marks, marks.length * 2);
        }
        marks[markCount++] = stack.size();
    }

    private void popMark() throws Invalid {
        if (markCount == 0) {
            throw new Invalid("no mark on the stack");
        }
        stack.subList(marks[--markCount], stack.size()).clear();
    }

    private List<Object> popToMark() throws Invalid {
        if (markCount == 0) {
            throw new Invalid("no mark on the stack");
        }
        int m = marks[--markCount];
        List<Object> top = stack.subList(m, stack.size());
        List<Object> out = new ArrayList<>(top);
        top.clear();
        return out;
    }

    private Object memoGet(long index) throws Invalid {
        Object v = memo.get(index);
        if (v == null && !memo.containsKey(index)) {
            throw new Invalid("memo index " + index + " was never stored");
        }
        return v;
    }

    // ---- containers

    static List<Object> tuple(List<Object> items) {
        return Collections.unmodifiableList(new ArrayList<>(items));
    }

    private void appendAll(List<Object> items) throws Invalid {
        if (!(peek() instanceof ArrayList<?>)) {
            throw new Invalid("APPEND to " + PickleObjects.typeName(peek()) + ", expected a list");
        }
        @SuppressWarnings("unchecked")
        List<Object> list = (List<Object>) peek();
        list.addAll(items);
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> dictOnStack() throws Invalid {
        if (!(peek() instanceof LinkedHashMap<?, ?>)) {
            throw new Invalid("SETITEM on " + PickleObjects.typeName(peek()) + ", expected a dict");
        }
        return (Map<Object, Object>) peek();
    }

    private static void putAll(Map<Object, Object> d, List<Object> kv) throws Invalid {
        if (kv.size() % 2 != 0) {
            throw new Invalid("odd number of values (" + kv.size() + ") for dict items");
        }
        for (int i = 0; i < kv.size(); i += 2) {
            d.put(PickleObjects.requireHashable(kv.get(i)), kv.get(i + 1));
        }
    }

    // ---- reading

    private Pickle need(long n) throws Invalid {
        if (n > in.length - pos) {
            throw new Invalid("truncated: needs " + n + " bytes, " + (in.length - pos) + " left");
        }
        return this;
    }

    private int u8() throws Invalid {
        need(1);
        return in[pos++] & 0xff;
    }

    private int leInt(int n) throws Invalid {
        need(n);
        int v = 0;
        for (int i = n - 1; i >= 0; i--) {
            v = v << 8 | (in[pos + i] & 0xff);
        }
        pos += n;
        return v;
    }

    private long leLong() throws Invalid {
        long lo = leInt(4) & 0xffffffffL;
        return lo | (long) leInt(4) << 32;
    }

    /** A declared length, checked against the input left before anything of that size is allocated. */
    private int length(long n) throws Invalid {
        if (n < 0 || n > in.length - pos) {
            throw new Invalid("length " + (n < 0 ? Long.toUnsignedString(n) : n) + " exceeds the "
                    + (in.length - pos) + " bytes left");
        }
        return (int) n;
    }

    private byte[] bytes(int n) throws Invalid {
        need(n);
        byte[] b = Arrays.copyOfRange(in, pos, pos + n);
        pos += n;
        return b;
    }

    /** A protocol-0 argument: bytes up to the next newline, as Latin-1. */
    private String line() throws Invalid {
        for (int i = pos; i < in.length; i++) {
            if (in[i] == '\n') {
                String s = new String(in, pos, i - pos, StandardCharsets.ISO_8859_1);
                pos = i + 1;
                return s;
            }
        }
        throw new Invalid("truncated: no newline after a text argument");
    }
}
