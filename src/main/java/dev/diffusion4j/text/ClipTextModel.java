package dev.diffusion4j.text;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.diffusion4j.nn.Container;
import dev.diffusion4j.nn.Embedding;
import dev.diffusion4j.nn.LayerNorm;
import dev.diffusion4j.nn.Model;
import dev.diffusion4j.nn.ModuleList;
import dev.diffusion4j.nn.WeightSource;

/**
 * transformers' CLIPTextModel: token + position embeddings, a stack of causal pre-LN transformer layers and a final
 * LayerNorm. Key names are those of {@code text_encoder/model.safetensors} ({@code text_model.encoder.layers.0...}).
 * The model owns the NDManager holding its weights; close it to free them.
 */
public final class ClipTextModel extends Model {

    /** {@code lastHiddenState} (B, L, D) is what Stable Diffusion conditions on; {@code pooled} (B, D) the EOS state. */
    public record Output(NDArray lastHiddenState, NDArray pooled) {}

    private final ClipTextConfig config;
    private final Embedding token_embedding;
    private final Embedding position_embedding;
    private final ModuleList<ClipEncoderLayer> layers = new ModuleList<>();
    private final LayerNorm final_layer_norm;

    ClipTextModel(ClipTextConfig c, NDManager manager) {
        super(manager);
        this.config = c;
        Container text_model = child("text_model", new Container());
        Container embeddings = text_model.add("embeddings", new Container());
        token_embedding = embeddings.add("token_embedding", new Embedding(c.vocabSize(), c.hiddenSize()));
        position_embedding = embeddings.add("position_embedding",
                new Embedding(c.maxPositionEmbeddings(), c.hiddenSize()));
        text_model.add("encoder", new Container()).add("layers", layers);
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            layers.add(new ClipEncoderLayer(c));
        }
        final_layer_norm = text_model.add("final_layer_norm", new LayerNorm(c.hiddenSize(), c.layerNormEps()));
    }

    /**
     * Loads weights strictly; {@code text_model.embeddings.position_ids} (a buffer real SD files carry) is ignored.
     */
    public static ClipTextModel load(ClipTextConfig config, WeightSource weights, DataType dtype) {
        return loaded(new ClipTextModel(config, NDManager.newBaseManager()), weights, dtype, k -> k.equals("text_model.embeddings.position_ids"));
    }

    /** A model with random weights (tests, benchmarks), deterministic per seed. */
    public static ClipTextModel random(ClipTextConfig config, DataType dtype, long seed) {
        return randomized(new ClipTextModel(config, NDManager.newBaseManager()), dtype, seed);
    }

    public ClipTextConfig config() {
        return config;
    }

    /**
     * Encodes token ids (B, L) int64 (L ≤ max_position_embeddings).
     *
     * @param clipSkip 0 = the last layer; k = the output of layer {@code L - k}, as diffusers' {@code clip_skip}
     *     (still passed through {@code final_layer_norm})
     */
    public Output forward(NDArray inputIds, int clipSkip) {
        if (clipSkip < 0 || clipSkip >= config.numHiddenLayers()) {
            throw new IllegalArgumentException("clip skip " + clipSkip + " outside [0, " + config.numHiddenLayers() + ")");
        }
        long len = inputIds.getShape().get(1);
        if (len > config.maxPositionEmbeddings()) {
            throw new IllegalArgumentException(len + " tokens exceed max_position_embeddings "
                    + config.maxPositionEmbeddings());
        }
        NDArray positions = inputIds.getManager().arange(0, len, 1, ai.djl.ndarray.types.DataType.INT64);
        NDArray x = token_embedding.forward(inputIds).add(position_embedding.forward(positions));
        for (int i = 0; i < config.numHiddenLayers() - clipSkip; i++) {
            x = layers.get(i).forward(x);
        }
        NDArray last = final_layer_norm.forward(x);
        return new Output(last, pool(last, inputIds));
    }

    /** The hidden state at the first position of the largest id (the EOS token), transformers' pooled output. */
    private NDArray pool(NDArray hidden, NDArray inputIds) {
        long[] ids = inputIds.toLongArray();
        long b = inputIds.getShape().get(0);
        long len = inputIds.getShape().get(1);
        NDArray[] rows = new NDArray[(int) b];
        for (int i = 0; i < b; i++) {
            int at = 0;
            for (int j = 1; j < len; j++) {
                if (ids[(int) (i * len + j)] > ids[(int) (i * len + at)]) {
                    at = j;
                }
            }
            rows[i] = hidden.get(i).get(at).expandDims(0);
        }
        return dev.diffusion4j.tensor.Ops.cat(0, rows);
    }
}
