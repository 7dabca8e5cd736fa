package dev.diffusion4j.text;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.diffusion4j.nn.Model;
import dev.diffusion4j.tensor.Ops;
import dev.diffusion4j.tensor.Precision;
import dev.diffusion4j.tensor.Tensors;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * SDXL conditioning, as diffusers' StableDiffusionXLPipeline.encode_prompt: the prompt through {@code tokenizer} and
 * the CLIP ViT-L encoder, the second prompt (the same one by default) through {@code tokenizer_2} (which pads with
 * "!") and the OpenCLIP bigG encoder with projection; each encoder's {@code hidden_states[-2]} without the final
 * layer norm, concatenated on the channel axis (768 + 1280 = 2048 for SDXL base); the pooled embedding is the second
 * encoder's projected EOS output (Podell et al. 2023 § 2.1).
 *
 * <p>Clip skip k selects {@code hidden_states[-(k + 2)]} of both encoders, as diffusers does for the prompt; unlike
 * diffusers 0.25.1 (whose negative prompt always takes {@code hidden_states[-2]}) it applies to every prompt this
 * conditioner encodes, negative ones included, as A1111 and stable-diffusion.cpp do and as {@link ClipConditioner}
 * does for SD 1.x/2.x.
 *
 * <p>A1111 syntax reads prompts as A1111 does for SDXL ({@code sd_hijack_clip.FrozenCLIPEmbedderForSDXLWithCustomWords}
 * and {@code sd_hijack_open_clip.FrozenOpenCLIPEmbedder2WithCustomWords} under SGM's {@code GeneralConditioner}):
 * each encoder chunks the prompt with its own tokenizer ({@link ChunkedTextEncoder}), weights and rescales its own
 * output, and the two are joined on the channel axis. A1111 has no second prompt and gives both encoders the same
 * one; here, as in diffusers, the second encoder reads the second prompt when one is given (parsed with the same
 * syntax), and the first prompt otherwise. Textual-inversion embeddings reach both encoders: an SDXL embedding's
 * {@code clip_l} vectors the first, its {@code clip_g} vectors the second.
 */
public final class SdxlConditioner implements Conditioner {

    private static final int CACHE_ENTRIES = 8;

    private final ClipTokenizer tokenizer;
    private final ClipTokenizer tokenizer2;
    private final ClipTextModel textEncoder;
    private final ClipTextModel textEncoder2;
    private final boolean forceZerosForEmptyPrompt;
    private final ChunkedTextEncoder chunkedL;
    private final ChunkedTextEncoder chunkedG;
    private final EncodingCache<Key, Encoded> cache = new EncodingCache<>(CACHE_ENTRIES);
    private boolean closed;

    private record Key(List<String> prompts, List<String> second, PromptOptions options) {}

    /** A cached encoding, on the Java heap so it outlives the arrays of the request that made it. */
    private record Encoded(float[] context, Shape shape, float[] pooled, Shape pooledShape,
                           List<TextualInversion> used) {}

    /**
     * @param textEncoder2 a CLIPTextModelWithProjection (its projection gives the pooled embedding)
     * @param forceZerosForEmptyPrompt {@code model_index.json}'s flag: without a negative prompt, guidance runs
     *     against zero embeddings rather than the empty prompt's
     * @throws IllegalArgumentException when the second encoder has no projection
     */
    public SdxlConditioner(ClipTokenizer tokenizer, ClipTextModel textEncoder, ClipTokenizer tokenizer2,
                           ClipTextModel textEncoder2, boolean forceZerosForEmptyPrompt) {
        if (textEncoder2.config().projectionDim() == 0) {
            throw new IllegalArgumentException("text_encoder_2 must be a CLIPTextModelWithProjection: SDXL's pooled "
                    + "embedding is its text_projection output");
        }
        this.tokenizer = tokenizer;
        this.tokenizer2 = tokenizer2;
        this.textEncoder = textEncoder;
        this.textEncoder2 = textEncoder2;
        this.forceZerosForEmptyPrompt = forceZerosForEmptyPrompt;
        this.chunkedL = new ChunkedTextEncoder(tokenizer, () -> textEncoder, TextualInversion.CLIP_L, "text_encoder",
                1, false);
        this.chunkedG = new ChunkedTextEncoder(tokenizer2, () -> textEncoder2, TextualInversion.CLIP_G,
                "text_encoder_2", 1, false);
    }

    @Override
    public Conditioning encode(NDManager manager, List<String> prompts, int clipSkip) {
        return encodePlain(manager, prompts, null, clipSkip);
    }

    @Override
    public Conditioning encode(NDManager manager, List<String> prompts, PromptOptions options) {
        return encode(manager, prompts, null, options);
    }

    /**
     * Plain prompts without embeddings are encoded as diffusers does; otherwise each encoder chunks its prompt
     * (A1111 syntax) or reads it literally with the embeddings in place, and the result is cached by prompts and
     * options.
     */
    @Override
    public Conditioning encode(NDManager manager, List<String> prompts, List<String> secondPrompts,
                               PromptOptions options) {
        if (options.syntax() == PromptSyntax.PLAIN && options.embeddings().isEmpty()) {
            return encodePlain(manager, prompts, secondPrompts, options.clipSkip());
        }
        List<String> second = second(prompts, secondPrompts);
        checkUsable(options.clipSkip());
        Key key = new Key(List.copyOf(prompts), List.copyOf(second), options);
        Encoded e = cache.get(key, () -> {
            try (NDManager m = manager.newSubManager()) {
                return encodeChunks(m, key.prompts(), key.second(), options);
            }
        });
        return new Conditioning(Tensors.of(manager, e.context(), e.shape()),
                Tensors.of(manager, e.pooled(), e.pooledShape()), e.used());
    }

    /**
     * A1111's SDXL conditioning: both encoders chunk their prompt, each with its own tokenizer, pad and emphasis
     * rescale; the contexts are joined on the channel axis position by position (chunk by chunk); the pooled
     * embedding is the second encoder's, of the first chunk. Should the two tokenizers cut a prompt into different
     * numbers of chunks, the shorter is padded with empty chunks.
     */
    private Encoded encodeChunks(NDManager m, List<String> prompts, List<String> second, PromptOptions options) {
        List<List<PromptChunk>> chunksL = chunkedL.chunks(prompts, options);
        List<List<PromptChunk>> chunksG = chunkedG.chunks(second, options);
        int count = Math.max(chunksL.stream().mapToInt(List::size).max().orElse(1),
                chunksG.stream().mapToInt(List::size).max().orElse(1));
        Set<TextualInversion> used = new LinkedHashSet<>();
        ChunkedTextEncoder.Encoded l = chunkedL.encode(m, chunksL, count, options, used);
        ChunkedTextEncoder.Encoded g = chunkedG.encode(m, chunksG, count, options, used);
        int positions = prompts.size() * count * tokenizer.maxLength();
        int channels = l.channels() + g.channels();
        float[] context = new float[positions * channels];
        for (int i = 0; i < positions; i++) {
            System.arraycopy(l.context(), i * l.channels(), context, i * channels, l.channels());
            System.arraycopy(g.context(), i * g.channels(), context, i * channels + l.channels(), g.channels());
        }
        return new Encoded(context, new Shape(prompts.size(), (long) count * tokenizer.maxLength(), channels),
                g.pooled(), new Shape(prompts.size(), g.pooledDim()), List.copyOf(used));
    }

    private Conditioning encodePlain(NDManager manager, List<String> prompts, List<String> secondPrompts,
                                     int clipSkip) {
        checkUsable(clipSkip);
        List<String> second = second(prompts, secondPrompts);
        ClipTextModel.Output first = textEncoder.forward(ids(manager, tokenizer, prompts), clipSkip + 1, false);
        ClipTextModel.Output other = textEncoder2.forward(ids(manager, tokenizer2, second), clipSkip + 1, false);
        NDArray context = Ops.cat(2, first.lastHiddenState(), other.lastHiddenState());
        first.pooled().close();
        return new Conditioning(context, other.pooled());
    }

    private void checkUsable(int clipSkip) {
        if (closed) {
            throw new IllegalStateException("the text encoder weights were freed after a one-shot generation "
                    + "(freeParamsImmediately); load the model again to generate more");
        }
        if (clipSkip < 0 || clipSkip >= layers()) {
            throw new IllegalArgumentException("clip skip " + clipSkip + " outside [0, " + layers() + ") for SDXL, "
                    + "which already conditions on the penultimate layer");
        }
    }

    private static List<String> second(List<String> prompts, List<String> secondPrompts) {
        List<String> second = secondPrompts == null ? prompts : secondPrompts;
        if (second.size() != prompts.size()) {
            throw new IllegalArgumentException(second.size() + " second prompts for " + prompts.size() + " prompts");
        }
        return second;
    }

    @Override
    public Conditioning unconditional(NDManager manager, Conditioning cond, PromptOptions options) {
        if (!forceZerosForEmptyPrompt) {
            return Conditioner.super.unconditional(manager, cond, options);
        }
        return new Conditioning(Precision.zeros(manager, cond.context().getShape(), Precision.dtypeOf(cond.context())),
                Precision.zeros(manager, cond.pooled().getShape(), Precision.dtypeOf(cond.pooled())));
    }

    private static NDArray ids(NDManager manager, ClipTokenizer tokenizer, List<String> prompts) {
        int len = tokenizer.maxLength();
        long[] ids = new long[prompts.size() * len];
        for (int i = 0; i < prompts.size(); i++) {
            System.arraycopy(tokenizer.inputIds(prompts.get(i)), 0, ids, i * len, len);
        }
        return Tensors.of(manager, ids, new Shape(prompts.size(), len));
    }

    @Override
    public Map<String, Model> textEncoders() {
        return Map.of("text_encoder", textEncoder, "text_encoder_2", textEncoder2);
    }

    /** Both encoders' layers but the last, the penultimate being SDXL's default. */
    @Override
    public int layers() {
        return Math.min(textEncoder.config().numHiddenLayers(), textEncoder2.config().numHiddenLayers()) - 1;
    }

    @Override
    public void clearCache() {
        cache.clear();
    }

    @Override
    public void close() {
        if (!closed) {
            textEncoder.close();
            textEncoder2.close();
            closed = true;
            clearCache();
        }
    }
}
