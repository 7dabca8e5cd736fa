package dev.diffusion4j.io;

import ai.djl.ndarray.types.DataType;
import java.util.HashMap;
import java.util.Map;

/**
 * The only Python globals a checkpoint's pickle may name: those a {@code torch.save}d state dict, a textual-inversion
 * embedding or a PyTorch Lightning checkpoint needs (the allowance list of AUTOMATIC1111's {@code modules/safe.py},
 * re-implemented). None of them is ever called: {@link Pickle} maps each to a Java value it builds itself. A name
 * not listed here is refused at the {@code GLOBAL} or {@code STACK_GLOBAL} opcode, before any later opcode runs.
 */
enum PickleGlobal {
    ORDERED_DICT(Kind.ORDERED_DICT, "collections OrderedDict", "typing OrderedDict"),
    SET(Kind.SET, "builtins set", "__builtin__ set"),
    CODECS_ENCODE(Kind.CODECS_ENCODE, "_codecs encode"),
    REBUILD_TENSOR_V2(Kind.REBUILD_TENSOR, "torch._utils _rebuild_tensor_v2"),
    REBUILD_PARAMETER(Kind.REBUILD_PARAMETER, "torch._utils _rebuild_parameter"),
    REBUILD_PARAMETER_WITH_STATE(Kind.REBUILD_PARAMETER, "torch._utils _rebuild_parameter_with_state"),
    SIZE(Kind.SIZE, "torch Size"),
    FLOAT_STORAGE(DataType.FLOAT32, "torch FloatStorage"),
    HALF_STORAGE(DataType.FLOAT16, "torch HalfStorage"),
    BFLOAT16_STORAGE(DataType.BFLOAT16, "torch BFloat16Storage"),
    DOUBLE_STORAGE(DataType.FLOAT64, "torch DoubleStorage"),
    LONG_STORAGE(DataType.INT64, "torch LongStorage"),
    INT_STORAGE(DataType.INT32, "torch IntStorage"),
    SHORT_STORAGE(DataType.INT16, "torch ShortStorage"),
    CHAR_STORAGE(DataType.INT8, "torch CharStorage"),
    BYTE_STORAGE(DataType.UINT8, "torch ByteStorage"),
    BOOL_STORAGE(DataType.BOOLEAN, "torch BoolStorage"),
    FLOAT32(Kind.DTYPE, "torch float32"),
    FLOAT16(Kind.DTYPE, "torch float16"),
    BFLOAT16(Kind.DTYPE, "torch bfloat16"),
    PARAMETER_DICT(Kind.INERT_CLASS, "torch.nn.modules.container ParameterDict"),
    MODEL_CHECKPOINT(Kind.INERT_CLASS, "pytorch_lightning.callbacks.model_checkpoint ModelCheckpoint");

    /** What {@link Pickle} builds when the global is reduced or instantiated. */
    enum Kind {
        ORDERED_DICT, SET, CODECS_ENCODE, REBUILD_TENSOR, REBUILD_PARAMETER, SIZE, STORAGE, DTYPE, INERT_CLASS
    }

    private static final Map<String, PickleGlobal> BY_NAME = new HashMap<>();

    static {
        for (PickleGlobal g : values()) {
            for (String name : g.names) {
                BY_NAME.put(name, g);
            }
        }
    }

    final Kind kind;
    /** The element type of a storage class; null for the other kinds. */
    final DataType storageType;
    private final String[] names;

    PickleGlobal(Kind kind, String... names) {
        this.kind = kind;
        this.storageType = null;
        this.names = names;
    }

    PickleGlobal(DataType storageType, String... names) {
        this.kind = Kind.STORAGE;
        this.storageType = storageType;
        this.names = names;
    }

    /** The allowed global {@code module name}, or null if it is not allowed. */
    static PickleGlobal lookup(String module, String name) {
        return BY_NAME.get(module + " " + name);
    }

    /** {@code module.name} as Python prints it. */
    String qualifiedName() {
        return names[0].replace(' ', '.');
    }
}
