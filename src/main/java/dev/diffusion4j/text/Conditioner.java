package dev.diffusion4j.text;

import ai.djl.ndarray.NDManager;
import dev.diffusion4j.nn.Model;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Turns prompts into what the UNet conditions on (sd.cpp's {@code conditioner.hpp}): it owns the tokenizer(s) and
 * text encoder(s), so SD 1.x/2.x plug in one CLIP encoder ({@link ClipConditioner}) and SDXL two
 * ({@link SdxlConditioner}). Prompt syntax, embeddings and caching of encodings belong here, not in the pipeline.
 */
public interface Conditioner extends AutoCloseable {

    /**
     * Encodes one prompt per batch row, literally (diffusers' {@code encode_prompt}).
     *
     * @param clipSkip 0 = the encoder's last layer, k = k layers before it (diffusers' numbering)
     * @return arrays in {@code manager}
     */
    Conditioning encode(NDManager manager, List<String> prompts, int clipSkip);

    /**
     * Encodes one prompt per batch row with the given syntax and embeddings. A conditioner that only reads prompts
     * literally refuses anything else.
     *
     * @return arrays in {@code manager}
     */
    default Conditioning encode(NDManager manager, List<String> prompts, PromptOptions options) {
        if (options.syntax() != PromptSyntax.PLAIN || !options.embeddings().isEmpty()) {
            throw new UnsupportedOperationException(getClass().getSimpleName() + " reads prompts only as plain text, "
                    + "without embeddings");
        }
        return encode(manager, prompts, options.clipSkip());
    }

    /**
     * Encodes one prompt per batch row, with a second prompt per row for a second text encoder (SDXL's
     * {@code prompt_2}). Conditioners with one encoder have nowhere to put second prompts and refuse them.
     *
     * @param secondPrompts one per prompt, or null to give the second encoder the same prompts
     */
    default Conditioning encode(NDManager manager, List<String> prompts, List<String> secondPrompts,
                                PromptOptions options) {
        if (secondPrompts != null) {
            throw new IllegalArgumentException("a second prompt needs a model with two text encoders (SDXL)");
        }
        return encode(manager, prompts, options);
    }

    /**
     * The unconditional conditioning of classifier-free guidance when no negative prompt is given, one row per row
     * of {@code cond}: the empty prompt encoded, as diffusers' SD 1.x/2.x pipelines; SDXL models whose pipeline says
     * {@code force_zeros_for_empty_prompt} use zeros instead.
     */
    default Conditioning unconditional(NDManager manager, Conditioning cond, PromptOptions options) {
        return encode(manager, Collections.nCopies((int) cond.context().getShape().get(0), ""), options);
    }

    /** How many layers clip skip can select from: a clip skip must be below it. */
    int layers();

    /** The text encoders by their diffusers folder name ("text_encoder", "text_encoder_2"), for LoRA patches. */
    default Map<String, Model> textEncoders() {
        return Map.of();
    }

    /** Forgets cached encodings: the text encoders' weights changed (a LoRA was applied or removed). */
    default void clearCache() {}

    /** Frees the encoders' weights; the conditioner cannot encode afterwards. */
    @Override
    void close();
}
