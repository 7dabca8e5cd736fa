package dev.diffusion4j.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The compute dtypes (float32, the reference, and bfloat16, the fast path) and the one place arrays are converted or
 * created in a dtype that may be bf16. DJL aborts the process when asked to create a bf16 array itself ({@link Bf16}),
 * so no other code passes a possibly-bf16 dtype (such as {@code x.getDataType()}) to {@code toType}, {@code create},
 * {@code zeros} or {@code ones}: it calls {@link #cast}, {@link #zeros} or {@link #ones} here.
 */
public final class Precision {

    private Precision() {}

    /**
     * The dtype of {@code x}. DJL maps libtorch's dtypes back without a case for bfloat16 and reports
     * {@link DataType#UNKNOWN}; bf16 is the only such dtype this project makes, so UNKNOWN reads as bf16.
     */
    public static DataType dtypeOf(NDArray x) {
        DataType d = x.getDataType();
        return d == DataType.UNKNOWN ? DataType.BFLOAT16 : d;
    }

    /** {@code x} in {@code dtype}: {@code x} itself when it already is, else a new array in {@code x}'s manager. */
    public static NDArray cast(NDArray x, DataType dtype) {
        DataType from = dtypeOf(x);
        if (from == dtype) {
            return x;
        }
        if (dtype == DataType.BFLOAT16) {
            if (from != DataType.FLOAT32) {
                try (NDArray f = x.toType(DataType.FLOAT32, false)) {
                    return Bf16.toBf16(f);
                }
            }
            return Bf16.toBf16(x);
        }
        return x.toType(dtype, false);
    }

    /** float32 {@code x} itself, or a float32 copy of a lower-precision array (model outputs, for the scheduler). */
    public static NDArray float32(NDArray x) {
        return dtypeOf(x) == DataType.FLOAT32 ? x : x.toType(DataType.FLOAT32, false);
    }

    public static NDArray zeros(NDManager manager, Shape shape, DataType dtype) {
        return in(manager.zeros(shape, creatable(dtype)), dtype);
    }

    public static NDArray ones(NDManager manager, Shape shape, DataType dtype) {
        return in(manager.ones(shape, creatable(dtype)), dtype);
    }

    /** Softmax over the last axis in {@code x}'s dtype (bf16: float32 statistics, bf16 result). */
    public static NDArray softmaxLast(NDArray x) {
        return Bf16.is(x) ? Bf16.softmaxLast(x) : JniUtils.softmax((PtNDArray) x, -1, dtypeOf(x));
    }

    /** A 4-d array in channels-last memory order (same shape and values). */
    public static NDArray channelsLast(NDArray x) {
        return Bf16.channelsLast(x);
    }

    private static DataType creatable(DataType dtype) {
        return dtype == DataType.BFLOAT16 ? DataType.FLOAT32 : dtype;
    }

    private static NDArray in(NDArray made, DataType dtype) {
        if (dtypeOf(made) == dtype) {
            return made;
        }
        NDArray out = cast(made, dtype);
        made.close();
        return out;
    }

    /**
     * The {@code --dtype} choice: "fp32", "bf16", or "auto" (bf16 where the CPU has native bf16 arithmetic —
     * AVX512-BF16 or AMX — else fp32).
     *
     * @throws IllegalArgumentException naming the value for anything else
     */
    public static DataType parse(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "fp32", "float32" -> DataType.FLOAT32;
            case "bf16", "bfloat16" -> DataType.BFLOAT16;
            case "auto" -> nativeBf16() ? DataType.BFLOAT16 : DataType.FLOAT32;
            default -> throw new IllegalArgumentException("--dtype must be fp32, bf16 or auto, got '" + name + "'");
        };
    }

    /** The short name ("fp32", "bf16") of a compute dtype. */
    public static String name(DataType dtype) {
        return switch (dtype) {
            case FLOAT32 -> "fp32";
            case BFLOAT16 -> "bf16";
            case FLOAT16 -> "fp16";
            default -> dtype.toString().toLowerCase(Locale.ROOT);
        };
    }

    /** Whether this CPU advertises native bf16 arithmetic ({@code avx512_bf16} or {@code amx_bf16} in /proc/cpuinfo). */
    public static boolean nativeBf16() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("flags")) {
                    return line.contains(" avx512_bf16") || line.contains(" amx_bf16");
                }
            }
        } catch (IOException | RuntimeException e) {
            return false;
        }
        return false;
    }
}
