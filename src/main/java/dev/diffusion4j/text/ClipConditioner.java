package dev.diffusion4j.text;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.diffusion4j.nn.Model;
import dev.diffusion4j.tensor.Precision;
import dev.diffusion4j.tensor.Tensors;
import java.util.ArrayList;
import java.util.LinkedHashMap;
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
 *       chunks ({@link PromptChunker}); the batch is padded to its longest prompt with empty chunks; chunk i of every
 *       prompt is encoded as one batch, weighted and rescaled together ({@link Emphasis}); the chunks are
 *       concatenated, so the context has 77·k positions.</li>
 * </ul>
 * Textual-inversion vectors replace the token embeddings of their placeholder positions in either syntax (in plain
 * text they take the positions their trigger would, within the first 75 tokens). Encodings are cached by prompts and
 * options, so a request that changes only the seed does not run the encoder again.
 */
public final class ClipConditioner implements Conditioner {

    private static final int CACHE_ENTRIES = 8;

    private final ClipTokenizer tokenizer;
    private final ClipTextModel textEncoder;
    private final Map<Key, Encoded> cache = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, Encoded> eldest) {
            return size() > CACHE_ENTRIES;
        }
    };
    private boolean closed;

    private record Key(List<String> prompts, PromptOptions options) {}

    /** A cached encoding, on the Java heap so it outlives the arrays of the request that made it. */
    private record Encoded(float[] context, Shape shape, List<TextualInversion> used) {}

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
    public Conditioning encode(NDManager manager, List<String> prompts, PromptOptions options) {
        if (options.syntax() == PromptSyntax.PLAIN && options.embeddings().isEmpty()) {
            return encode(manager, prompts, options.clipSkip());
        }
        Key key = new Key(List.copyOf(prompts), options);
        Encoded e;
        synchronized (cache) {
            e = cache.get(key);
        }
        if (e == null) {
            try (NDManager m = manager.newSubManager()) {
                e = encodeChunks(m, key.prompts(), options);
            }
            synchronized (cache) {
                cache.put(key, e);
            }
        }
        return new Conditioning(Tensors.of(manager, e.context(), e.shape()), null, e.used());
    }

    /** Chunks every prompt, encodes chunk i of all prompts together, and concatenates the chunks per prompt. */
    private Encoded encodeChunks(NDManager m, List<String> prompts, PromptOptions options) {
        boolean a1111 = options.syntax() == PromptSyntax.A1111;
        PromptChunker chunker = new PromptChunker(tokenizer, options.embeddings().lookup(tokenizer),
                a1111 ? PromptChunker.DEFAULT_COMMA_BACKTRACK : 0);
        List<List<PromptChunk>> perPrompt = new ArrayList<>();
        int count = 1;
        for (String p : prompts) {
            List<PromptChunk> chunks = a1111 ? chunker.chunk(p)
                    : List.of(chunker.chunk(List.of(new WeightedText(p, 1.0))).get(0));
            perPrompt.add(chunks);
            count = Math.max(count, chunks.size());
        }
        PromptChunk empty = chunker.chunk(List.of()).get(0);
        int b = prompts.size();
        int len = empty.tokens().length;
        int channels = textEncoder().config().hiddenSize();
        float[][] encodedChunks = new float[count][];
        Set<TextualInversion> used = new LinkedHashSet<>();
        for (int i = 0; i < count; i++) {
            List<PromptChunk> batch = new ArrayList<>();
            for (List<PromptChunk> chunks : perPrompt) {
                batch.add(i < chunks.size() ? chunks.get(i) : empty);
            }
            encodedChunks[i] = encodeChunk(m, chunker, batch, options, channels, used);
        }
        float[] context = new float[b * count * len * channels];
        int row = len * channels;
        for (int p = 0; p < b; p++) {
            for (int i = 0; i < count; i++) {
                System.arraycopy(encodedChunks[i], p * row, context, (p * count + i) * row, row);
            }
        }
        return new Encoded(context, new Shape(b, (long) count * len, channels), List.copyOf(used));
    }

    /** One chunk of every prompt as a (B, 77) batch: ids, embedding vectors, encoder, emphasis. */
    private float[] encodeChunk(NDManager m, PromptChunker chunker, List<PromptChunk> batch, PromptOptions options,
                                int channels, Set<TextualInversion> used) {
        int len = batch.get(0).tokens().length;
        long[] ids = new long[batch.size() * len];
        double[] multipliers = new double[batch.size() * len];
        boolean fixes = false;
        for (int p = 0; p < batch.size(); p++) {
            System.arraycopy(chunker.encoderTokens(batch.get(p)), 0, ids, p * len, len);
            System.arraycopy(batch.get(p).multipliers(), 0, multipliers, p * len, len);
            fixes |= !batch.get(p).embeddings().isEmpty();
        }
        ClipTextModel te = textEncoder();
        NDArray input = Tensors.of(m, ids, new Shape(batch.size(), len));
        NDArray tokens = null;
        if (fixes) {
            tokens = te.tokenEmbeddings(input);
            DataType dtype = Precision.dtypeOf(tokens);
            float[] values = tokens.toType(DataType.FLOAT32, false).toFloatArray();
            for (int p = 0; p < batch.size(); p++) {
                for (EmbeddingAt at : batch.get(p).embeddings()) {
                    TextualInversion e = options.embeddings().get(at.name());
                    used.add(e);
                    float[] vectors = e.valuesFor(channels);
                    int n = Math.min(at.vectors(), len - at.position());
                    System.arraycopy(vectors, 0, values, (p * len + at.position()) * channels, n * channels);
                }
            }
            tokens = Precision.cast(Tensors.of(m, values, tokens.getShape()), dtype);
        }
        NDArray z = te.forward(input, tokens, options.clipSkip(), true).lastHiddenState();
        float[] out = z.toType(DataType.FLOAT32, false).toFloatArray();
        return options.syntax() == PromptSyntax.A1111 ? Emphasis.applyMultipliers(out, multipliers, channels) : out;
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
        synchronized (cache) {
            cache.clear();
        }
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
