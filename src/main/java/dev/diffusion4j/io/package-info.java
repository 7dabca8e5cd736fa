/**
 * Bytes in and out: safetensors (memory-mapped, strictly validated), npy, JSON configs, PNG with the A1111
 * {@code parameters} chunk, atomic file writes, and diffusers folders / Hugging Face cache entries
 * ({@link dev.diffusion4j.io.ModelDirectory}). Every parser here treats its input as untrusted: a malformed file
 * fails with an {@code IOException} naming the file and the problem. It imports no other project package;
 * everything else reads files through it. Torch checkpoints ({@code .ckpt}, {@code .pt}) are read by a restricted
 * unpickler ({@link dev.diffusion4j.io.Pickle}): only the globals of {@code PickleGlobal} are accepted, checked when
 * the pickle names them, before any object is built, so a file can never run code.
 */
package dev.diffusion4j.io;
