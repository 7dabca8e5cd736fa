package dev.diffusion4j.text;

import ai.djl.ndarray.NDManager;
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

    /** The number of layers of the (first) text encoder: clip skip must be below it. */
    int layers();

    /** Frees the encoders' weights; the conditioner cannot encode afterwards. */
    @Override
    void close();
}
