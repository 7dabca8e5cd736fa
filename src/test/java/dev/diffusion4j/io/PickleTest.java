package dev.diffusion4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.DataType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The restricted unpickler on hand-built streams and on Python's own output for every protocol. */
class PickleTest {

    /** {@code pickle.dumps(OBJ, protocol=p)} by CPython 3.11 for p = 1..5, OBJ as {@link #expectedObj}. */
    private static final String[] PYTHON = {
        "7d71002858010000006171015d7102284b014b02284b03474012000000000000747103655801000000627104635f636f646563730a"
            + "656e636f64650a71052858020000007879710658060000006c6174696e317107747108527109580100000063710a4e58010000"
            + "0064710b4930310a580100000065710c4c313138303539313632303731373431313330333432344c0a580100000066710d4afd"
            + "ffffff580100000067710e635f5f6275696c74696e5f5f0a7365740a710f285d7110284b014b0265747111527112580100000069"
            + "711328580100000078711474711558010000006a7116284b014b0274711758010000006b7118284b014b024b0374711958010000"
            + "006c711a5805000000c3a9e4b8ad711b58010000006d711c4d2c0158010000006e711d4a7011010058010000006f711e4c2d3130"
            + "39393531313632373737364c0a580100000070711f5d7120752e",
        "80027d71002858010000006171015d7102284b014b024b03474012000000000000867103655801000000627104635f636f646563"
            + "730a656e636f64650a710558020000007879710658060000006c6174696e317107867108527109580100000063710a4e580100"
            + "000064710b88580100000065710c8a09000000000000000040580100000066710d4afdffffff580100000067710e635f5f6275"
            + "696c74696e5f5f0a7365740a710f5d7110284b014b02658571115271125801000000697113580100000078711485711558010000"
            + "006a71164b014b0286711758010000006b71184b014b024b0387711958010000006c711a5805000000c3a9e4b8ad711b58010000"
            + "006d711c4d2c0158010000006e711d4a7011010058010000006f711e8a060000000000ff580100000070711f5d7120752e",
        "80037d71002858010000006171015d7102284b014b024b0347401200000000000086710365580100000062710443027879710558"
            + "010000006371064e58010000006471078858010000006571088a0900000000000000004058010000006671094afdffffff5801"
            + "00000067710a636275696c74696e730a7365740a710b5d710c284b014b026585710d52710e580100000069710f580100000078"
            + "711085711158010000006a71124b014b0286711358010000006b71144b014b024b0387711558010000006c71165805000000c3"
            + "a9e4b8ad711758010000006d71184d2c0158010000006e71194a7011010058010000006f711a8a060000000000ff5801000000"
            + "70711b5d711c752e",
        "800495a3000000000000007d94288c0161945d94284b014b024b034740120000000000008694658c01629443027879948c016394"
            + "4e8c016494888c0165948a090000000000000000408c0166944afdffffff8c0167948f94284b014b02908c0169948c017894"
            + "85948c016a944b014b0286948c016b944b014b024b0387948c016c948c05c3a9e4b8ad948c016d944d2c018c016e944a7011"
            + "01008c016f948a060000000000ff8c0170945d94752e",
        "800595a3000000000000007d94288c0161945d94284b014b024b034740120000000000008694658c01629443027879948c016394"
            + "4e8c016494888c0165948a090000000000000000408c0166944afdffffff8c0167948f94284b014b02908c0169948c017894"
            + "85948c016a944b014b0286948c016b944b014b024b0387948c016c948c05c3a9e4b8ad948c016d944d2c018c016e944a7011"
            + "01008c016f948a060000000000ff8c0170945d94752e",
    };

    /** {@code pickle.dumps([1, 2.5, None, True, False, 2**70, [3], {4: 5}, (6, 7), -8], protocol=0)}. */
    private static final String PROTOCOL_0 = "286c70300a49310a6146322e350a614e614930310a614930300a614c3131383035393136"
            + "32303731373431313330333432344c0a61286c70310a49330a6161286470320a49340a49350a73612849360a49370a7470330a"
            + "61492d380a612e";

    static Object load(byte[] b) throws IOException {
        return Pickle.load("test.pkl", b);
    }

    static Object load(String hex) throws IOException {
        return load(HexFormat.of().parseHex(hex));
    }

    private static Map<Object, Object> expectedObj() {
        Map<Object, Object> m = new LinkedHashMap<>();
        m.put("a", List.of(1L, 2L, List.of(3L, 4.5)));
        m.put("c", null);
        m.put("d", true);
        m.put("e", BigInteger.TWO.pow(70));
        m.put("f", -3L);
        m.put("g", Set.of(1L, 2L));
        m.put("i", List.of("x"));
        m.put("j", List.of(1L, 2L));
        m.put("k", List.of(1L, 2L, 3L));
        m.put("l", "\u00e9\u4e2d");
        m.put("m", 300L);
        m.put("n", 70000L);
        m.put("o", -(1L << 40));
        m.put("p", List.of());
        return m;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5})
    void readsPythonsOutputForEveryProtocol(int protocol) throws IOException {
        Map<?, ?> m = assertInstanceOf(Map.class, load(PYTHON[protocol - 1]));
        assertArrayEquals("xy".getBytes(StandardCharsets.US_ASCII), (byte[]) m.get("b"));
        Map<Object, Object> rest = new LinkedHashMap<>(m);
        rest.remove("b");
        assertEquals(expectedObj(), rest);
        assertEquals(List.copyOf(expectedObj().keySet()), rest.keySet().stream().toList(), "dict order kept");
        assertTrue(m.get("a") instanceof ArrayList<?>, "a list is mutable, a tuple is not");
    }

    @Test
    void readsProtocol0() throws IOException {
        List<Object> want = new ArrayList<>(Arrays.asList(1L, 2.5, null, true, false, BigInteger.TWO.pow(70),
                List.of(3L), Map.of(4L, 5L), List.of(6L, 7L), -8L));
        assertEquals(want, load(PROTOCOL_0));
    }

    /** A stream builder: ints are opcodes or raw bytes, strings their Latin-1 bytes, byte arrays as they are. */
    static byte[] p(Object... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object part : parts) {
            if (part instanceof Integer i) {
                out.write(i);
            } else if (part instanceof Character c) {
                out.write(c);
            } else if (part instanceof String s) {
                out.writeBytes(s.getBytes(StandardCharsets.ISO_8859_1));
            } else {
                out.writeBytes((byte[]) part);
            }
        }
        return out.toByteArray();
    }

    static byte[] le4(long v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array();
    }

    static byte[] le8(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }

    /** BINUNICODE of {@code s}. */
    static byte[] str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return p('X', le4(b.length), b);
    }

    static byte[] global(String module, String name) {
        return p('c', module + "\n" + name + "\n");
    }

    /** {@code _rebuild_tensor_v2(('storage', type, key, 'cpu', numel), offset, size, stride, False, OrderedDict())}. */
    static byte[] tensor(String storageClass, String key, int numel, int offset, byte[] size, byte[] stride) {
        return p(global("torch._utils", "_rebuild_tensor_v2"), '(',
                '(', str("storage"), global("torch", storageClass), str(key), str("cpu"), 'J', le4(numel), 't', 'Q',
                'J', le4(offset), size, stride, 0x89, global("collections", "OrderedDict"), ')', 'R', 't', 'R');
    }

    @Test
    void buildsTensorReferences() throws IOException {
        byte[] stream = p(0x80, 2, '}', '(',
                str("w"), tensor("HalfStorage", "0", 24, 2, p('K', 3, 'K', 4, 0x86), p('K', 1, 'K', 5, 0x86)),
                str("p"), global("torch._utils", "_rebuild_parameter"), '(',
                tensor("BFloat16Storage", "1", 1, 0, p(')'), p(')')), 0x88, global("collections", "OrderedDict"),
                ')', 'R', 't', 'R',
                'u', '.');
        Map<?, ?> m = assertInstanceOf(Map.class, load(stream));
        TensorRef w = assertInstanceOf(TensorRef.class, m.get("w"));
        assertEquals(new TensorRef(DataType.FLOAT16, new long[] {3, 4}, new long[] {1, 5}, 2, "0", 24), w);
        assertEquals(12, w.elementCount());
        assertTrue(!w.isContiguous());
        TensorRef p = assertInstanceOf(TensorRef.class, m.get("p"));
        assertEquals(new TensorRef(DataType.BFLOAT16, new long[0], new long[0], 0, "1", 1), p);
        assertTrue(p.isContiguous());
    }

    @Test
    void tensorsMustStayInsideTheirStorage() {
        // The last element is at 2 + 2*1 + 3*5 = 19: a storage of 19 is one short.
        refuses(p(0x80, 2, tensor("FloatStorage", "0", 19, 2, p('K', 3, 'K', 4, 0x86), p('K', 1, 'K', 5, 0x86)),
                '.'), "reach element 19 of a storage of 19");
        refuses(p(tensor("FloatStorage", "0", 4, 0, p('K', 2, 0x85), p('J', le4(-1), 0x85)), '.'), "negative");
        refuses(p(tensor("FloatStorage", "0", 4, 0, p(0x8a, 8, le8(Long.MAX_VALUE), 'K', 3, 0x86),
                p('K', 2, 'K', 1, 0x86)), '.'), "overflow");
        refuses(p(tensor("FloatStorage", "0", 4, 0, p('K', 2, 0x85), p('K', 1, 'K', 1, 0x86)), '.'),
                "same length");
        refuses(p(tensor("FloatStorage", "../x", 4, 0, p('K', 2, 0x85), p('K', 1, 0x85)), '.'), "not a plain name");
        refuses(p(tensor("FloatStorage", "0", -1, 0, p('K', 2, 0x85), p('K', 1, 0x85)), '.'), "numel is -1");
        refuses(p(str("x"), 'Q', '.'), "persistent id is str");
        refuses(p(global("torch._utils", "_rebuild_tensor_v2"), ')', 'R', '.'), "takes 6 to 7 arguments, got 0");
    }

    @ParameterizedTest
    @ValueSource(strings = {"posix system", "os system", "builtins eval", "__builtin__ exec",
        "subprocess Popen", "torch load", "torch._utils _rebuild_device_tensor_from_numpy", "collections Counter",
        "numpy.core.multiarray _reconstruct", "copyreg _reconstructor"})
    void refusesEveryOtherGlobal(String global) {
        String[] mn = global.split(" ");
        String why = "global '" + global + "' is not allowed";
        // Garbage after the refused global proves nothing later ran: the error is about the global.
        refuses(p(0x80, 2, global(mn[0], mn[1]), str("touch /tmp/x"), 0x85, 'R', 0xff), "at byte 2: " + why);
        byte[] m = mn[0].getBytes(StandardCharsets.UTF_8);
        byte[] n = mn[1].getBytes(StandardCharsets.UTF_8);
        refuses(p(0x80, 4, 0x8c, m.length, m, 0x8c, n.length, n, 0x93, 0xff), why);
    }

    @Test
    void refusesClassInstantiationAndCallsOfNonGlobals() {
        refuses(p('(', "ios\nsystem\n", '.'), "INST/OBJ", "not allowed");
        refuses(p('(', global("collections", "OrderedDict"), 'o', '.'), "INST/OBJ");
        refuses(p(str("os.system"), ')', 'R', '.'), "REDUCE on str, expected an allowed global");
        refuses(p(global("torch", "FloatStorage"), ')', 'R', '.'), "calling torch.FloatStorage is not supported");
        refuses(p(0x82, 1, '.'), "extension-registry");
        refuses(p('P', "0\n", '.'), "PERSID");
        refuses(p(0x97, '.'), "out-of-band");
    }

    @Test
    void allowedContainersAndPlaceholders() throws IOException {
        assertEquals(Set.of("a", 1L), load(p(global("__builtin__", "set"), ']', str("a"), 'a', 'K', 1, 'a', 0x85,
                'R', '.')));
        assertArrayEquals(new byte[] {(byte) 0xe9, 1}, (byte[]) load(p(global("_codecs", "encode"),
                str("\u00e9\u0001"), str("latin1"), 0x86, 'R', '.')));
        assertEquals(List.of(2L, 3L), load(p(global("torch", "Size"), 'K', 2, 'K', 3, 0x86, 0x85, 'R', '.')));
        Map<?, ?> cb = assertInstanceOf(Map.class, load(p(0x80, 2, global("pytorch_lightning.callbacks.model_checkpoint",
                "ModelCheckpoint"), ')', 0x81, '}', str("monitor"), str("val/loss"), 's', 'b', '.')));
        assertEquals(Map.of("__class__", "pytorch_lightning.callbacks.model_checkpoint.ModelCheckpoint",
                "monitor", "val/loss"), cb);
        refuses(p(']', '}', 'b', '.'), "BUILD on list is not supported");
        // POP, POP_MARK, DUP, MEMOIZE, LONG_BINPUT / LONG_BINGET, FRAME, BINUNICODE8, BINBYTES8, EMPTY_SET, ADDITEMS.
        assertEquals(List.of("ab", "ab", Set.of(7L)), load(p(0x80, 4, 0x95, le8(0), 'K', 9, '0', '(', 'K', 1, '1',
                0x8d, le8(2), "ab", 'r', le4(70000), '0', 'j', le4(70000), '2', 0x8f, 0x94, '(', 'K', 7, 0x90,
                0x87, '.')));
        assertArrayEquals(new byte[] {1, 2}, (byte[]) load(p(0x8e, le8(2), 1, 2, '.')));
    }

    @Test
    void malformedStreamsAreIoExceptions() {
        refuses(new byte[0], "at byte 0", "truncated");
        refuses(p(0x80, 2), "at byte 2: truncated");
        refuses(p(0xff), "unknown opcode 0xff");
        refuses(p(0x80, 6, '.'), "protocol 6");
        refuses(p('t', '.'), "no mark");
        refuses(p('1'), "no mark");
        refuses(p('0'), "stack underflow");
        refuses(p('(', 'a', '.'), "stack underflow");
        refuses(p('(', 'K', 1, '.'), "STOP with 1 values and 1 marks");
        refuses(p('K', 1, 'K', 2, '.'), "STOP with 2 values");
        refuses(p('X', le4(0xffffffffL), '.'), "length 4294967295 exceeds the 1 bytes left");
        refuses(p(0x8d, le8(-1), '.'), "length 18446744073709551615");
        refuses(p(0x8b, le4(0x7fffffff), '.'), "exceeds");
        refuses(p('T', le4(-5), '.'), "length");
        refuses(p('h', 3, '.'), "memo index 3 was never stored");
        refuses(p('X', le4(2), 0xc3, 0x28, '.'), "not valid UTF-8");
        refuses(p('I', "12x\n", '.'), "bad integer literal '12x'");
        refuses(p('I', "12"), "no newline");
        refuses(p('c', "os\n"), "no newline");
        refuses(p('}', ']', 'K', 1, 's', '.'), "a list as dict key");
        refuses(p('K', 1, 'K', 2, 'a', '.'), "APPEND to int");
        refuses(p(']', 'K', 1, 's', '.'), "stack underflow");
        refuses(p(']', 'K', 1, 'K', 1, 's', '.'), "SETITEM on list");
    }

    @Test
    void cyclesAndDeepNestingAreRefusedWithoutRecursion() {
        refuses(p(']', 'q', 0, 'h', 0, 'a', '.'), "cycle");
        refuses(p('}', 'q', 0, 'K', 1, 'h', 0, 's', '.'), "cycle");
        int depth = 200_000; // recursive code would overflow the stack long before this
        byte[] deep = new byte[2 * depth + 1];
        Arrays.fill(deep, 0, depth, (byte) ']');
        Arrays.fill(deep, depth, 2 * depth - 1, (byte) 'a');
        deep[2 * depth - 1] = '.';
        refuses(Arrays.copyOf(deep, 2 * depth), "nested deeper than " + PickleObjects.MAX_DEPTH);
        // A DAG that reaches one list 2^90 times as a tree is checked in linear time.
        ByteArrayOutputStream dag = new ByteArrayOutputStream();
        dag.writeBytes(p(']'));
        for (int i = 0; i < 90; i++) {
            dag.writeBytes(p('2', 0x86)); // (x, x)
        }
        dag.write('.');
        assertInstanceOf(List.class, assertDoesNotThrow(() -> load(dag.toByteArray())));
    }

    @Test
    void everyTruncationAndByteFlipOfARealStreamEndsCleanly() {
        byte[] good = HexFormat.of().parseHex(PYTHON[1]);
        for (int n = 0; n < good.length; n++) {
            byte[] cut = Arrays.copyOf(good, n);
            assertThrows(IOException.class, () -> load(cut), "prefix of " + n);
        }
        Random r = new Random(1);
        for (int i = 0; i < 20_000; i++) {
            byte[] b = good.clone();
            for (int k = 0; k <= r.nextInt(3); k++) {
                b[r.nextInt(b.length)] = (byte) r.nextInt(256);
            }
            try {
                load(b);
            } catch (IOException expected) {
                assertTrue(expected.getMessage().startsWith("test.pkl: at byte "), expected.getMessage());
            }
        }
    }

    static void refuses(byte[] stream, String... parts) {
        IOException e = assertThrows(IOException.class, () -> load(stream));
        String m = e.getMessage();
        assertTrue(m.startsWith("test.pkl: at byte "), "message must name the source and offset: " + m);
        for (String part : parts) {
            assertTrue(m.contains(part), "message must mention '" + part + "': " + m);
        }
    }
}
