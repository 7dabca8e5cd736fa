/**
 * The {@code d4j} command (picocli): {@code generate}, {@code train}, {@code train-vae}, {@code eval}, {@code bench},
 * {@code info}. A thin shell over the Java API: it parses flags into a {@code GenerationRequest} (usage errors, exit
 * 2, before anything loads), opens the model spec, loads, runs, writes PNGs, and reports failures in one line (exit
 * 1; the stack trace only with {@code --verbose}). It may import every other package; nothing imports it.
 */
package dev.diffusion4j.cli;
