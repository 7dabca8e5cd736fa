package dev.diffusion4j.text;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.diffusion4j.tensor.Precision;
import dev.diffusion4j.tensor.Tensors;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * One tokenizer and text encoder reading prompts in 77-token chunks, A1111's {@code
 * FrozenCLIPEmbedderWithCustomWordsBase} (and its SDXL subclasses, one per encoder): the prompt cut into chunks
 * ({@link PromptChunker}), chunk i of every prompt encoded as one batch with the textual-inversion vectors in place
 * of their placeholders, weighted and rescaled ({@link Emphasis}) under A1111 syntax, the chunks concatenated. SD
 * 1.x/2.x use one ({@link ClipConditioner}), SDXL two ({@link SdxlConditioner}).
 */
final class ChunkedTextEncoder {

    /**
     * The encoded chunks.
     *
     * @param context (B, chunks · 77, channels) row-major
     * @param pooled the encoder's pooled output of the first chunk of every prompt, (B, D) row-major (A1111's
     *     {@code zs[0].pooled}, taken before emphasis)
     */
    record Encoded(float[] context, int channels, float[] pooled, long pooledDim) {}

    private final ClipTokenizer tokenizer;
    private final Supplier<ClipTextModel> encoder;
    private final String embeddingKey;
    private final String name;
    private final int layerOffset;
    private final boolean finalLayerNorm;

    /**
     * @param encoder the encoder, fetched per use (it fails once freed)
     * @param embeddingKey which tensor of an embedding this encoder takes ({@link TextualInversion#ANY_ENCODER},
     *     {@link TextualInversion#CLIP_L}, {@link TextualInversion#CLIP_G})
     * @param name the encoder's diffusers folder, for messages
     * @param layerOffset added to clip skip (SDXL conditions on the penultimate layer: 1)
     * @param finalLayerNorm whether the selected layer goes through the final layer norm (SD 1.x/2.x: yes)
     */
    ChunkedTextEncoder(ClipTokenizer tokenizer, Supplier<ClipTextModel> encoder, String embeddingKey, String name,
                       int layerOffset, boolean finalLayerNorm) {
        this.tokenizer = tokenizer;
        this.encoder = encoder;
        this.embeddingKey = embeddingKey;
        this.name = name;
        this.layerOffset = layerOffset;
        this.finalLayerNorm = finalLayerNorm;
    }

    /**
     * Each prompt's chunks: A1111's chunking, or under plain syntax the literal prompt's first chunk (75 tokens, the
     * rest cut, as diffusers does; embeddings still take their trigger's place).
     */
    List<List<PromptChunk>> chunks(List<String> prompts, PromptOptions options) {
        PromptChunker chunker = chunker(options);
        List<List<PromptChunk>> perPrompt = new ArrayList<>();
        for (String p : prompts) {
            perPrompt.add(options.syntax() == PromptSyntax.A1111 ? chunker.chunk(p)
                    : List.of(chunker.chunk(List.of(new WeightedText(p, 1.0))).get(0)));
        }
        return perPrompt;
    }

    private PromptChunker chunker(PromptOptions options) {
        return new PromptChunker(tokenizer, options.embeddings().lookup(tokenizer),
                options.syntax() == PromptSyntax.A1111 ? PromptChunker.DEFAULT_COMMA_BACKTRACK : 0);
    }

    /**
     * Encodes {@code count} chunks per prompt (a prompt with fewer gets empty ones, as A1111 pads a batch) and
     * concatenates them per prompt.
     *
     * @param used collects the embeddings the prompts triggered
     */
    Encoded encode(NDManager m, List<List<PromptChunk>> perPrompt, int count, PromptOptions options,
                   Set<TextualInversion> used) {
        PromptChunker chunker = chunker(options);
        PromptChunk empty = chunker.chunk(List.of()).get(0);
        int b = perPrompt.size();
        int len = empty.tokens().length;
        int channels = encoder.get().config().hiddenSize();
        float[] context = new float[b * count * len * channels];
        float[] pooled = null;
        long pooledDim = 0;
        int row = len * channels;
        for (int i = 0; i < count; i++) {
            List<PromptChunk> batch = new ArrayList<>();
            for (List<PromptChunk> chunks : perPrompt) {
                batch.add(i < chunks.size() ? chunks.get(i) : empty);
            }
            ClipTextModel.Output out = encodeChunk(m, chunker, batch, options, channels, used);
            float[] z = out.lastHiddenState().toType(DataType.FLOAT32, false).toFloatArray();
            if (options.syntax() == PromptSyntax.A1111) {
                z = Emphasis.applyMultipliers(z, multipliers(batch), channels);
            }
            for (int p = 0; p < b; p++) {
                System.arraycopy(z, p * row, context, (p * count + i) * row, row);
            }
            if (i == 0) {
                pooled = out.pooled().toType(DataType.FLOAT32, false).toFloatArray();
                pooledDim = out.pooled().getShape().get(1);
            }
        }
        return new Encoded(context, channels, pooled, pooledDim);
    }

    private static double[] multipliers(List<PromptChunk> batch) {
        int len = batch.get(0).tokens().length;
        double[] multipliers = new double[batch.size() * len];
        for (int p = 0; p < batch.size(); p++) {
            System.arraycopy(batch.get(p).multipliers(), 0, multipliers, p * len, len);
        }
        return multipliers;
    }

    /** One chunk of every prompt as a (B, 77) batch: ids, embedding vectors in place, the encoder. */
    private ClipTextModel.Output encodeChunk(NDManager m, PromptChunker chunker, List<PromptChunk> batch,
                                             PromptOptions options, int channels, Set<TextualInversion> used) {
        int len = batch.get(0).tokens().length;
        long[] ids = new long[batch.size() * len];
        boolean fixes = false;
        for (int p = 0; p < batch.size(); p++) {
            System.arraycopy(chunker.encoderTokens(batch.get(p)), 0, ids, p * len, len);
            fixes |= !batch.get(p).embeddings().isEmpty();
        }
        ClipTextModel te = encoder.get();
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
                    float[] vectors = e.valuesFor(embeddingKey, name, channels);
                    int n = Math.min(at.vectors(), len - at.position());
                    System.arraycopy(vectors, 0, values, (p * len + at.position()) * channels, n * channels);
                }
            }
            tokens = Precision.cast(Tensors.of(m, values, tokens.getShape()), dtype);
        }
        return te.forward(input, tokens, options.clipSkip() + layerOffset, finalLayerNorm);
    }
}
