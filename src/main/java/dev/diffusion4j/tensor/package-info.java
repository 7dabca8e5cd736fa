/**
 * The engine and tensor plumbing under everything: libtorch start-up and threads ({@link
 * dev.diffusion4j.tensor.Engines}), memory scopes that free temporaries ({@link dev.diffusion4j.tensor.Scopes}), ops
 * DJL lacks or does slowly ({@link dev.diffusion4j.tensor.Ops}, {@link
 * dev.diffusion4j.tensor.ScaledDotProductAttention}), the compute dtypes and the one place bf16 arrays are made
 * ({@link dev.diffusion4j.tensor.Precision}, over a TorchScript helper the project writes itself), array construction
 * helpers and the profiler. It imports only {@code io} (the native cache check before libtorch loads).
 */
package dev.diffusion4j.tensor;
