package dev.diffusion4j.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * The bfloat16 operations DJL 0.36 cannot reach. Its native dtype map has no BFLOAT16, so {@code toType(BFLOAT16)},
 * {@code create/zeros/ones} with that dtype and {@code NDArray.softmax} on a bf16 array abort the process (SIGABRT,
 * no Java exception). Everything else the models use works on bf16 tensors once they exist. The missing pieces come
 * from a TorchScript module written here (a TorchScript archive is a zip of plain-text code and a tiny pickle), loaded
 * once with {@code JniUtils.loadModule} and called with {@code IValueUtils.runMethod}.
 *
 * <p>Every bf16 conversion in the project goes through {@link Precision#cast}, which calls {@link #toBf16}.
 */
final class Bf16 {

    private Bf16() {}

    /** c10::ScalarType::BFloat16, as TorchScript spells a dtype. */
    private static final int SCALAR_TYPE_BF16 = 15;

    /** c10::MemoryFormat::ChannelsLast. */
    private static final int CHANNELS_LAST = 2;

    static final String SOURCE = String.join("\n",
            "op_version_set = 10",
            "class Bf16(Module):",
            "  __parameters__ = []",
            "  __buffers__ = []",
            "  training : bool",
            "  def to_bf16(self: __torch__.Bf16, x: Tensor) -> Tensor:",
            "    return torch.to(x, " + SCALAR_TYPE_BF16 + ")",
            "  def softmax_last(self: __torch__.Bf16, x: Tensor) -> Tensor:",
            "    return torch.softmax(x, -1)",
            "  def channels_last(self: __torch__.Bf16, x: Tensor) -> Tensor:",
            "    return torch.contiguous(x, memory_format=" + CHANNELS_LAST + ")",
            "");

    private static final class Holder {
        static final PtSymbolBlock MODULE = load();
    }

    /** {@code x} converted to bfloat16 (a new array in {@code x}'s manager). */
    static NDArray toBf16(NDArray x) {
        return call("to_bf16", x);
    }

    /** Softmax over the last axis of a bf16 array; libtorch accumulates in float32 and rounds the result to bf16. */
    static NDArray softmaxLast(NDArray x) {
        return call("softmax_last", x);
    }

    /** {@code x} (4-d) in channels-last memory order, same values and shape. */
    static NDArray channelsLast(NDArray x) {
        return call("channels_last", x);
    }

    private static NDArray call(String method, NDArray x) {
        try (IValue in = IValue.from((PtNDArray) x);
             IValue out = IValueUtils.runMethod(Holder.MODULE, method, in)) {
            return out.toTensor((PtNDManager) x.getManager());
        }
    }

    private static PtSymbolBlock load() {
        Engines.start(0);
        try {
            PtNDManager manager = (PtNDManager) NDManager.newBaseManager();
            return JniUtils.loadModule(manager, new ByteArrayInputStream(archive()), false, false);
        } catch (IOException e) {
            throw new UncheckedIOException("bf16 helper module: " + e.getMessage(), e);
        }
    }

    /**
     * The TorchScript archive: {@code data.pkl} (the module object: class {@code __torch__.Bf16} with its one
     * attribute, {@code training}), {@code constants.pkl} (an empty tuple), the class source and the format version.
     * Entries are stored uncompressed, as torch.jit.save writes them.
     */
    static byte[] archive() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            stored(zip, "bf16/version", "10\n".getBytes(StandardCharsets.US_ASCII));
            stored(zip, "bf16/data.pkl", modulePickle());
            stored(zip, "bf16/constants.pkl", new byte[] {(byte) 0x80, 2, ')', '.'});
            stored(zip, "bf16/code/__torch__.py", SOURCE.getBytes(StandardCharsets.UTF_8));
        }
        return bytes.toByteArray();
    }

    /** Pickle protocol 2: {@code __torch__.Bf16.__new__()} then BUILD with {@code {"training": False}}. */
    private static byte[] modulePickle() {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.write(0x80);
        p.write(2);
        p.writeBytes("c__torch__\nBf16\n".getBytes(StandardCharsets.US_ASCII));
        p.write(')');
        p.write(0x81); // NEWOBJ
        p.write('}');
        p.write('(');
        byte[] key = "training".getBytes(StandardCharsets.US_ASCII);
        p.write('X');
        p.write(key.length);
        p.write(0);
        p.write(0);
        p.write(0);
        p.writeBytes(key);
        p.write(0x89); // NEWFALSE
        p.write('u'); // SETITEMS
        p.write('b'); // BUILD
        p.write('.');
        return p.toByteArray();
    }

    private static void stored(ZipOutputStream zip, String name, byte[] data) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setCrc(crc.getValue());
        zip.putNextEntry(e);
        zip.write(data);
        zip.closeEntry();
    }

    /** Whether {@code t} is bfloat16 (see {@link Precision#dtypeOf}). */
    static boolean is(NDArray t) {
        return Precision.dtypeOf(t) == DataType.BFLOAT16;
    }
}
