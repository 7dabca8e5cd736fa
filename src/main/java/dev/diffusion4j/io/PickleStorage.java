package dev.diffusion4j.io;

import ai.djl.ndarray.types.DataType;

/**
 * A storage a checkpoint's pickle refers to by persistent id ({@code ('storage', FloatStorage, key, location,
 * numel)}); the bytes stay in the file until a tensor over it is loaded.
 */
record PickleStorage(DataType dtype, String key, long numel) {}
