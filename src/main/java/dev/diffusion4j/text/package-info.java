/**
 * Prompts to conditioning: the CLIP BPE tokenizer (slow-tokenizer rules, bit-exact ids, a binary cache of its
 * tables), the CLIP text model (with an optional projection), A1111 prompt syntax
 * ({@link dev.diffusion4j.text.PromptParser}, chunking into 75-token windows, extra-network tags, emphasis),
 * textual-inversion embeddings ({@link dev.diffusion4j.text.TextualInversions}), and the
 * {@link dev.diffusion4j.text.Conditioner}s that hand the UNet its context: one CLIP encoder for SD 1.x/2.x, two for
 * SDXL, encodings cached. It may import {@code nn}, {@code io} and {@code tensor}.
 */
package dev.diffusion4j.text;
