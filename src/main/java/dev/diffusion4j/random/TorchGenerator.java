package dev.diffusion4j.random;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.diffusion4j.numerics.GlibcLog;
import dev.diffusion4j.numerics.GlibcSinCos;
import dev.diffusion4j.tensor.Tensors;
import java.util.Arrays;

/**
 * torch's CPU generator, {@code torch.Generator().manual_seed(seed)}, with its {@code rand} and {@code randn}
 * reproduced bit for bit as torch 1.13 computes them on x86-64 Linux (glibc 2.36), the reference environment of the
 * fixtures, so a seed gives diffusers' initial noise.
 *
 * <p>What torch does, and so this class:
 * <ul>
 *   <li>The engine is a 32-bit mt19937 seeded with the low 32 bits of the 64-bit seed.</li>
 *   <li>A float32 uniform is the low 24 bits of one 32-bit draw times 2⁻²⁴; a float64 uniform the low 53 bits of a
 *       64-bit value made of two draws (first draw high) times 2⁻⁵³.</li>
 *   <li>{@code randn} of a float32 tensor with at least 16 elements fills all elements with uniforms, transforms
 *       them in blocks of 16 (8 u1, then 8 u2), and, when the size is not a multiple of 16, draws 16 fresh uniforms
 *       over the last 16 elements and transforms that block again. The {@link Kernel} decides the arithmetic of that
 *       transform. A float64 tensor with at least 16 elements does the same in double.</li>
 *   <li>Smaller tensors take one scalar double Box–Muller sample per element: two float64 uniforms u1, u2 give
 *       r·cos(2πu1) with r = √(−2 ln(1 − u2)) and cache r·sin(2πu1), which the next such sample returns instead of
 *       drawing. The cache lives in the generator: it survives {@code rand} calls and large {@code randn} calls,
 *       which neither read nor clear it.</li>
 * </ul>
 *
 * <p>Not thread-safe: one generator is one stream.
 */
public final class TorchGenerator {

    /** Which of torch's CPU kernels to reproduce for float32 {@code randn} of 16 or more elements. */
    public enum Kernel {
        /** The AVX2 kernel: what x86-64 torch runs on AVX2 and AVX-512 machines (diffusers' usual noise). */
        AVX2,
        /** The non-vectorised kernel (torch with {@code ATEN_CPU_CAPABILITY=default}, or a CPU without AVX2). */
        SCALAR
    }

    private static final int BLOCK = 16;
    private static final float FLOAT_DIVISOR = 1f / (1 << 24);
    private static final double DOUBLE_DIVISOR = 1.0 / (1L << 53);

    private final long seed;
    private final Kernel kernel;
    private final Mt19937 engine;
    private boolean hasCachedNormal;
    private double cachedNormal;

    /** {@code torch.Generator().manual_seed(seed)} with the AVX2 kernel; {@code seed} is read as unsigned 64-bit. */
    public TorchGenerator(long seed) {
        this(seed, Kernel.AVX2);
    }

    /** {@code torch.Generator().manual_seed(seed)}, reproducing the given kernel. */
    public TorchGenerator(long seed, Kernel kernel) {
        if (kernel == null) {
            throw new IllegalArgumentException("kernel must not be null");
        }
        this.seed = seed;
        this.kernel = kernel;
        this.engine = new Mt19937(seed);
    }

    /** The seed as given (torch's {@code initial_seed()} is this value read as unsigned). */
    public long seed() {
        return seed;
    }

    public Kernel kernel() {
        return kernel;
    }

    /** {@code torch.randn(shape, generator=g)}, float32, C order. */
    public float[] randn(long... shape) {
        int n = numel(shape);
        float[] out = new float[n];
        if (n >= BLOCK) {
            for (int i = 0; i < n; i++) {
                out[i] = nextFloatUniform();
            }
            for (int i = 0; i + BLOCK <= n; i += BLOCK) {
                fill16(out, i);
            }
            if (n % BLOCK != 0) {
                int last = n - BLOCK;
                for (int i = 0; i < BLOCK; i++) {
                    out[last + i] = nextFloatUniform();
                }
                fill16(out, last);
            }
        } else {
            for (int i = 0; i < n; i++) {
                out[i] = (float) nextScalarNormal();
            }
        }
        return out;
    }

    /** {@code torch.randn(shape, generator=g, dtype=torch.float64)}, C order. */
    public double[] randnDouble(long... shape) {
        int n = numel(shape);
        double[] out = new double[n];
        if (n >= BLOCK) {
            for (int i = 0; i < n; i++) {
                out[i] = nextDoubleUniform();
            }
            for (int i = 0; i + BLOCK <= n; i += BLOCK) {
                NormalKernels.fill16(out, i);
            }
            if (n % BLOCK != 0) {
                int last = n - BLOCK;
                for (int i = 0; i < BLOCK; i++) {
                    out[last + i] = nextDoubleUniform();
                }
                NormalKernels.fill16(out, last);
            }
        } else {
            for (int i = 0; i < n; i++) {
                out[i] = nextScalarNormal();
            }
        }
        return out;
    }

    /** {@code torch.rand(shape, generator=g)}: float32 uniforms in [0, 1), C order. */
    public float[] rand(long... shape) {
        float[] out = new float[numel(shape)];
        for (int i = 0; i < out.length; i++) {
            out[i] = nextFloatUniform();
        }
        return out;
    }

    /** {@code torch.rand(shape, generator=g, dtype=torch.float64)}: uniforms in [0, 1), C order. */
    public double[] randDouble(long... shape) {
        double[] out = new double[numel(shape)];
        for (int i = 0; i < out.length; i++) {
            out[i] = nextDoubleUniform();
        }
        return out;
    }

    /** {@link #randn(long...)} as a float32 array of {@code manager}. */
    public NDArray randn(NDManager manager, Shape shape) {
        return Tensors.of(manager, randn(shape.getShape()), shape);
    }

    private void fill16(float[] data, int off) {
        if (kernel == Kernel.AVX2) {
            NormalKernels.fill16Avx2(data, off);
        } else {
            NormalKernels.fill16Scalar(data, off);
        }
    }

    /** uniform_real_distribution&lt;float&gt;(0, 1). */
    private float nextFloatUniform() {
        return (engine.nextInt() & 0xffffff) * FLOAT_DIVISOR;
    }

    /** uniform_real_distribution&lt;double&gt;(0, 1). */
    private double nextDoubleUniform() {
        return (engine.nextLong() & 0x1fffffffffffffL) * DOUBLE_DIVISOR;
    }

    /**
     * normal_distribution&lt;double&gt;(0, 1) with the generator's cached second sample. Both returns go through
     * torch's {@code ret * std + mean}, which maps −0 to +0.
     */
    private double nextScalarNormal() {
        if (hasCachedNormal) {
            hasCachedNormal = false;
            return cachedNormal * 1.0 + 0.0;
        }
        double u1 = nextDoubleUniform();
        double u2 = nextDoubleUniform();
        double r = Math.sqrt(-2.0 * GlibcLog.log(1.0 - u2));
        double theta = 2.0 * Math.PI * u1;
        cachedNormal = r * GlibcSinCos.sin(theta);
        hasCachedNormal = true;
        return r * GlibcSinCos.cos(theta) * 1.0 + 0.0;
    }

    private static int numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " has " + n
                    + " elements; Java arrays hold fewer than 2^31");
        }
        return (int) n;
    }
}
