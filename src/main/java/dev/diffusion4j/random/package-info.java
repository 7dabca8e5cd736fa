/**
 * Randomness that matches torch: {@link dev.diffusion4j.random.TorchGenerator} reproduces
 * {@code torch.Generator().manual_seed(s)} on the CPU, so a seed gives diffusers' initial noise bit for bit.
 *
 * <p>Why so much arithmetic lives here: torch's normal kernels call vendor math (avx_mathfun's polynomial log and
 * sincos in the AVX2 kernel, glibc's {@code logf/sinf/cosf} in the scalar one, glibc's {@code log/sin/cos} for small
 * and float64 tensors), and none of those is correctly rounded, so neither {@link java.lang.Math} nor
 * {@link java.lang.StrictMath} reproduces them (StrictMath differs from glibc's double log in about 7% of arguments).
 * Each is re-implemented with the same operation order, including the multiply-adds the compiler fused, which Java
 * states exactly with {@code Math.fma}. Java's float and double arithmetic is IEEE-exact on every platform, so the
 * results do not depend on the machine running them.
 *
 * <p>Reference environment: torch 1.13 (Debian 1.13.1, GCC 12) on x86-64 with glibc 2.36 whose FMA variants run on
 * any AVX2 CPU. The goldens are {@code ../shared/fixtures/torch-rng}.
 */
package dev.diffusion4j.random;
