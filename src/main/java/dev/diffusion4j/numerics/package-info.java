/**
 * Bit-exact emulation of the float arithmetic the reference runs in: glibc's {@code logf/sinf/cosf} and
 * {@code log/sin/cos}, avx_mathfun's polynomial log and sincos, SLEEF's vectorised exp/log, numpy's float64
 * {@code linspace}/{@code arange}/{@code interp} and torch's float32 {@code linspace}. None of these is correctly
 * rounded, so {@link java.lang.Math} does not reproduce them; each is re-implemented with the same operation order
 * (fused multiply-adds stated with {@code Math.fma}). Pure Java; it imports no other project package.
 */
package dev.diffusion4j.numerics;
