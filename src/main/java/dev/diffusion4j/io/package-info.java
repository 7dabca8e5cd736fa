/**
 * Bytes in and out: safetensors (memory-mapped, strictly validated), npy, JSON configs, PNG with the A1111
 * {@code parameters} chunk, atomic file writes, and diffusers folders / Hugging Face cache entries
 * ({@link dev.diffusion4j.io.ModelDirectory}). Every parser here treats its input as untrusted: a malformed file
 * fails with an {@code IOException} naming the file and the problem. It imports no other project package but
 * {@code tensor}; everything else reads files through it.
 */
package dev.diffusion4j.io;
