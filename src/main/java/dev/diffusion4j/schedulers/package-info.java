/**
 * The samplers, with diffusers 0.25 semantics ({@link dev.diffusion4j.schedulers.Scheduler}), one file per scheduler
 * class citing the paper equation at each update, and one registry ({@link dev.diffusion4j.schedulers.Samplers}):
 * each class declares its diffusers name, constructor defaults, factory and user-facing names beside itself
 * ({@code SPEC}), and the CLI help, the infotext and the config defaults iterate the registry. Adding a sampler is one
 * new file plus one line in {@code Samplers.ALL}. It may import {@code random}, {@code numerics} and {@code tensor}.
 */
package dev.diffusion4j.schedulers;
