package dev.diffusion4j.text;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.diffusion4j.tensor.Tensors;
import java.util.List;

/**
 * SD 1.x/2.x conditioning, as diffusers' {@code encode_prompt}: each prompt tokenized to the tokenizer's padded
 * length (77, truncated), one CLIP text encoder, its {@code last_hidden_state} (or the clip-skipped layer, still
 * through {@code final_layer_norm}) as the context. No pooled output.
 */
public final class ClipConditioner implements Conditioner {

    private final ClipTokenizer tokenizer;
    private final ClipTextModel textEncoder;
    private boolean closed;

    public ClipConditioner(ClipTokenizer tokenizer, ClipTextModel textEncoder) {
        this.tokenizer = tokenizer;
        this.textEncoder = textEncoder;
    }

    public ClipTokenizer tokenizer() {
        return tokenizer;
    }

    /** The text encoder; fails once {@link #close} freed it. */
    public ClipTextModel textEncoder() {
        if (closed) {
            throw new IllegalStateException("the text encoder weights were freed after a one-shot generation "
                    + "(freeParamsImmediately); load the model again to generate more");
        }
        return textEncoder;
    }

    @Override
    public Conditioning encode(NDManager manager, List<String> prompts, int clipSkip) {
        int len = tokenizer.maxLength();
        long[] ids = new long[prompts.size() * len];
        for (int i = 0; i < prompts.size(); i++) {
            System.arraycopy(tokenizer.inputIds(prompts.get(i)), 0, ids, i * len, len);
        }
        NDArray input = Tensors.of(manager, ids, new Shape(prompts.size(), len));
        return new Conditioning(textEncoder().forward(input, clipSkip).lastHiddenState(), null);
    }

    @Override
    public int layers() {
        return textEncoder.config().numHiddenLayers();
    }

    @Override
    public void close() {
        if (!closed) {
            textEncoder.close();
            closed = true;
        }
    }
}
