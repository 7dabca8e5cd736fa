package dev.diffusion4j.text;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.diffusion4j.nn.Model;
import dev.diffusion4j.tensor.Tensors;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * SD 1.x/2.x conditioning with one CLIP text encoder. Two syntaxes ({@link PromptSyntax}):
 * <ul>
 *   <li>plain, as diffusers' {@code encode_prompt}: each prompt tokenized to the tokenizer's padded length (77,
 *       truncated), its {@code last_hidden_state} (or the clip-skipped layer, still through
 *       {@code final_layer_norm}) as the context;</li>
 *   <li>A1111, as {@code FrozenCLIPEmbedderWithCustomWordsBase.forward}: each prompt parsed and cut into 77-token
 *       chunks; the batch is padded to its longest prompt with empty chunks; chunk i of every prompt is encoded as
 *       one batch, weighted and rescaled together; the chunks are concatenated, so the context has 77·k positions
 *       ({@link ChunkedTextEncoder}).</li>
 * </ul>
 * Textual-inversion vectors replace the token embeddings of their placeholder positions in either syntax (in plain
 * text they take the positions their trigger would, within the first 75 tokens). Encodings are cached by prompts and
 * options, so a request that changes only the seed does not run the encoder again.
 */
public final class ClipConditioner implements Conditioner {

    private static final int CACHE_ENTRIES = 8;

    private final ClipTokenizer tokenizer;
    private final ClipTextModel textEncoder;
    private final ChunkedTextEncoder chunked;
    private final EncodingCache<Key, Encoded> cache = new EncodingCache<>(CACHE_ENTRIES);
    private boolean closed;

    private record Key(List<String> prompts, PromptOptions options) {}

    /** A cached encoding, on the Java heap so it outlives the arrays of the request that made it. */
    private record Encoded(float[] context, Shape shape, List<TextualInversion> used) {}

    public ClipConditioner(ClipTokenizer tokenizer, ClipTextModel textEncoder) {
        this.tokenizer = tokenizer;
        this.textEncoder = textEncoder;
        this.chunked = new ChunkedTextEncoder(tokenizer, this::textEncoder, TextualInversion.ANY_ENCODER,
                "text_encoder", 0, true);
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
    public Conditioning encode(NDManager manager, List<String> prompts, PromptOptions options) {
        if (options.syntax() == PromptSyntax.PLAIN && options.embeddings().isEmpty()) {
            return encode(manager, prompts, options.clipSkip());
        }
        Key key = new Key(List.copyOf(prompts), options);
        Encoded e = cache.get(key, () -> {
            try (NDManager m = manager.newSubManager()) {
                return encodeChunks(m, key.prompts(), options);
            }
        });
        return new Conditioning(Tensors.of(manager, e.context(), e.shape()), null, e.used());
    }

    /** Chunks every prompt, encodes chunk i of all prompts together, and concatenates the chunks per prompt. */
    private Encoded encodeChunks(NDManager m, List<String> prompts, PromptOptions options) {
        List<List<PromptChunk>> perPrompt = chunked.chunks(prompts, options);
        int count = perPrompt.stream().mapToInt(List::size).max().orElse(1);
        Set<TextualInversion> used = new LinkedHashSet<>();
        ChunkedTextEncoder.Encoded e = chunked.encode(m, perPrompt, count, options, used);
        int len = tokenizer.maxLength();
        return new Encoded(e.context(), new Shape(prompts.size(), (long) count * len, e.channels()), List.copyOf(used));
    }

    @Override
    public int layers() {
        return textEncoder.config().numHiddenLayers();
    }

    @Override
    public Map<String, Model> textEncoders() {
        return Map.of("text_encoder", textEncoder());
    }

    @Override
    public void clearCache() {
        cache.clear();
    }

    @Override
    public void close() {
        if (!closed) {
            textEncoder.close();
            closed = true;
            clearCache();
        }
    }
}
