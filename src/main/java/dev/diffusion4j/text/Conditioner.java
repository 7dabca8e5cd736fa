package dev.diffusion4j.text;

import ai.djl.ndarray.NDManager;
import java.util.Collections;
import java.util.List;

/**
 * Turns prompts into what the UNet conditions on (sd.cpp's {@code conditioner.hpp}): it owns the tokenizer(s) and
 * text encoder(s), so SD 1.x/2.x plug in one CLIP encoder ({@link ClipConditioner}) and SDXL two. Prompt syntax,
 * embeddings and caching of encodings belong here, not in the pipeline.
 */
public interface Conditioner extends AutoCloseable {

    /**
     * Encodes one prompt per batch row.
     *
     * @param clipSkip 0 = the encoder's last layer, k = k layers before it (diffusers' numbering)
     * @return arrays in {@code manager}
     */
    Conditioning encode(NDManager manager, List<String> prompts, int clipSkip);

    /**
     * Encodes one prompt per batch row, with a second prompt per row for a second text encoder (SDXL's
     * {@code prompt_2}). Conditioners with one encoder have nowhere to put second prompts and refuse them.
     *
     * @param secondPrompts one per prompt, or null to give the second encoder the same prompts
     */
    default Conditioning encode(NDManager manager, List<String> prompts, List<String> secondPrompts, int clipSkip) {
        if (secondPrompts != null) {
            throw new IllegalArgumentException("a second prompt needs a model with two text encoders (SDXL)");
        }
        return encode(manager, prompts, clipSkip);
    }

    /**
     * The unconditional conditioning of classifier-free guidance when no negative prompt is given, one row per row
     * of {@code cond}: the empty prompt encoded, as diffusers' SD 1.x/2.x pipelines; SDXL models whose pipeline says
     * {@code force_zeros_for_empty_prompt} use zeros instead.
     */
    default Conditioning unconditional(NDManager manager, Conditioning cond, int clipSkip) {
        return encode(manager, Collections.nCopies((int) cond.context().getShape().get(0), ""), clipSkip);
    }

    /** How many layers clip skip can select from: a clip skip must be below it. */
    int layers();

    /** Frees the encoders' weights; the conditioner cannot encode afterwards. */
    @Override
    void close();
}
