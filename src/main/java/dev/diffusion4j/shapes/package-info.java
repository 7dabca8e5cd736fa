/**
 * The synthetic shapes world the built-in model is trained on: scenes of coloured circles, squares and triangles,
 * their captions (single objects, counting, pairs, positions, relations), a seeded scene sampler and the renderer.
 * Both training ({@code train}) and evaluation ({@code eval}) depend on it, so neither depends on the other. It may
 * import {@code io} (to write datasets); nothing model-related.
 */
package dev.diffusion4j.shapes;
