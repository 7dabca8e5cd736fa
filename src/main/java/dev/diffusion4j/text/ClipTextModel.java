package dev.diffusion4j.text;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.diffusion4j.nn.Container;
import dev.diffusion4j.nn.Embedding;
import dev.diffusion4j.nn.LayerNorm;
import dev.diffusion4j.nn.Linear;
import dev.diffusion4j.nn.Model;
import dev.diffusion4j.nn.ModuleList;
import dev.diffusion4j.nn.WeightSource;
import dev.diffusion4j.tensor.Ops;
import dev.diffusion4j.tensor.Precision;

/**
 * transformers' CLIPTextModel: token + position embeddings, a stack of causal pre-LN transformer layers and a final
 * LayerNorm. Key names are those of {@code text_encoder/model.safetensors} ({@code text_model.encoder.layers.0...}).
 * The model owns the NDManager holding its weights; close it to free them.
 */
public final class ClipTextModel extends Model {

    /**
     * What Stable Diffusion conditions on.
     *
     * @param lastHiddenState (B, L, D): the selected layer's hidden state (the last one unless clip skip says
     *     otherwise), with or without {@code final_layer_norm} as asked
     * @param pooled (B, D) the final-normed last layer at the EOS position (transformers' {@code pooler_output}), or
     *     (B, projection_dim) projected by {@code text_projection} for a CLIPTextModelWithProjection
     *     ({@code text_embeds}); computed from the full depth whatever layer is selected
     */
    public record Output(NDArray lastHiddenState, NDArray pooled) {}

    private final ClipTextConfig config;
    private final Embedding token_embedding;
    private final Embedding position_embedding;
    private final ModuleList<ClipEncoderLayer> layers = new ModuleList<>();
    private final LayerNorm final_layer_norm;
    private final Linear text_projection;

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
        text_projection = c.projectionDim() > 0
                ? child("text_projection", new Linear(c.hiddenSize(), c.projectionDim(), false)) : null;
    }

    /**
     * Loads weights strictly; {@code text_model.embeddings.position_ids} (a buffer real SD files carry) is ignored.
     */
    public static ClipTextModel load(ClipTextConfig config, WeightSource weights, DataType dtype) {
        return loaded(new ClipTextModel(config, NDManager.newBaseManager()), weights, dtype, k -> k.equals("text_model.embeddings.position_ids"));
    }

    /** The number of weights a model of {@code config} has, counted without allocating any. */
    public static long parameterCount(ClipTextConfig config) {
        return new ClipTextModel(config, null).parameterCount();
    }

    /** A model with random weights (tests, benchmarks), deterministic per seed. */
    public static ClipTextModel random(ClipTextConfig config, DataType dtype, long seed) {
        return randomized(new ClipTextModel(config, NDManager.newBaseManager()), dtype, seed);
    }

    public ClipTextConfig config() {
        return config;
    }

    /**
     * Encodes token ids (B, L) int64 (L ≤ max_position_embeddings), with the selected layer passed through
     * {@code final_layer_norm} as SD 1.x/2.x pipelines use it.
     *
     * @param clipSkip 0 = the last layer; k = the output of layer {@code L - k}, as diffusers' {@code clip_skip}
     */
    public Output forward(NDArray inputIds, int clipSkip) {
        return forward(inputIds, clipSkip, true);
    }

    /**
     * Encodes token ids (B, L) int64 (L ≤ max_position_embeddings).
     *
     * @param clipSkip 0 = the last layer; k = the output of layer {@code L - k} (transformers'
     *     {@code hidden_states[-(k + 1)]})
     * @param finalLayerNorm whether the selected layer goes through {@code final_layer_norm} (SD 1.x/2.x: yes; SDXL
     *     conditions on {@code hidden_states[-2]} without it)
     */
    public Output forward(NDArray inputIds, int clipSkip, boolean finalLayerNorm) {
        return forward(inputIds, null, clipSkip, finalLayerNorm);
    }

    /** The token embeddings (B, L, D) of ids (B, L): what textual-inversion vectors replace. */
    public NDArray tokenEmbeddings(NDArray inputIds) {
        return token_embedding.forward(inputIds);
    }

    /**
     * Encodes token ids as {@link #forward(NDArray, int, boolean)} does, but with given token embeddings (B, L, D)
     * (from {@link #tokenEmbeddings}, some rows replaced by textual-inversion vectors); null looks them up. The ids
     * still decide the pooled position.
     */
    public Output forward(NDArray inputIds, NDArray inputsEmbeds, int clipSkip, boolean finalLayerNorm) {
        if (clipSkip < 0 || clipSkip >= config.numHiddenLayers()) {
            throw new IllegalArgumentException("clip skip " + clipSkip + " outside [0, " + config.numHiddenLayers() + ")");
        }
        long len = inputIds.getShape().get(1);
        if (len > config.maxPositionEmbeddings()) {
            throw new IllegalArgumentException(len + " tokens exceed max_position_embeddings "
                    + config.maxPositionEmbeddings());
        }
        NDArray positions = inputIds.getManager().arange(0, len, 1, DataType.INT64);
        NDArray tokens = inputsEmbeds != null ? inputsEmbeds : token_embedding.forward(inputIds);
        NDArray x = tokens.add(position_embedding.forward(positions));
        int selected = config.numHiddenLayers() - clipSkip;
        // the pooled output always comes from the full depth; without a projection nobody needs it past clip skip
        int depth = text_projection != null ? config.numHiddenLayers() : selected;
        NDArray hidden = null;
        for (int i = 0; i < depth; i++) {
            x = layers.get(i).forward(x);
            if (i == selected - 1) {
                hidden = x;
            }
        }
        NDArray last = final_layer_norm.forward(x);
        NDArray pooled = pool(last, inputIds);
        if (text_projection != null) {
            pooled = text_projection.forward(pooled);
        }
        NDArray out = !finalLayerNorm ? hidden : hidden == x ? last : final_layer_norm.forward(hidden);
        return new Output(Precision.float32(out), Precision.float32(pooled));
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
        return Ops.cat(0, rows);
    }
}
