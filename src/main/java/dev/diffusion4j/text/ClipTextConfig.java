package dev.diffusion4j.text;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.diffusion4j.io.Json;
import java.io.IOException;
import java.nio.file.Path;

/**
 * transformers' CLIPTextConfig: the keys of {@code text_encoder/config.json} with transformers' defaults.
 *
 * @param projectionDim width of {@code text_projection} for a CLIPTextModelWithProjection (SDXL's second encoder), 0
 *     for a plain CLIPTextModel (every config carries {@code projection_dim}; the architecture decides)
 */
public record ClipTextConfig(int vocabSize, int hiddenSize, int intermediateSize, int numHiddenLayers,
                             int numAttentionHeads, int maxPositionEmbeddings, String hiddenAct, float layerNormEps,
                             int eosTokenId, int projectionDim) {

    /** A CLIPTextModel config (no projection). */
    public ClipTextConfig(int vocabSize, int hiddenSize, int intermediateSize, int numHiddenLayers,
                          int numAttentionHeads, int maxPositionEmbeddings, String hiddenAct, float layerNormEps,
                          int eosTokenId) {
        this(vocabSize, hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads, maxPositionEmbeddings,
                hiddenAct, layerNormEps, eosTokenId, 0);
    }

    public ClipTextConfig {
        if (numAttentionHeads < 1 || hiddenSize % numAttentionHeads != 0) {
            throw new IllegalArgumentException("hidden_size " + hiddenSize + " is not divisible by num_attention_heads "
                    + numAttentionHeads);
        }
        if (!hiddenAct.equals("quick_gelu") && !hiddenAct.equals("gelu")) {
            throw new IllegalArgumentException("unsupported hidden_act '" + hiddenAct + "' (quick_gelu or gelu)");
        }
    }

    /** SD 1.x's text encoder (openai/clip-vit-large-patch14). */
    public static ClipTextConfig sd15() {
        return new ClipTextConfig(49408, 768, 3072, 12, 12, 77, "quick_gelu", 1e-5f, 2);
    }

    public static ClipTextConfig from(JsonObject o) {
        return new ClipTextConfig(
                Json.getInt(o, "vocab_size", 49408, 1, 1 << 20),
                Json.getInt(o, "hidden_size", 512, 1, 16384),
                Json.getInt(o, "intermediate_size", 2048, 1, 65536),
                Json.getInt(o, "num_hidden_layers", 12, 1, 128),
                Json.getInt(o, "num_attention_heads", 8, 1, 1024),
                Json.getInt(o, "max_position_embeddings", 77, 1, 8192),
                Json.getString(o, "hidden_act", "quick_gelu"),
                (float) Json.getDouble(o, "layer_norm_eps", 1e-5, Double.MIN_VALUE, 1),
                Json.getInt(o, "eos_token_id", 2, 0, 1 << 20),
                withProjection(o) ? Json.getInt(o, "projection_dim", 512, 1, 16384) : 0);
    }

    private static boolean withProjection(JsonObject o) {
        JsonElement arch = o.get("architectures");
        if (arch == null || !arch.isJsonArray()) {
            return false;
        }
        for (JsonElement a : arch.getAsJsonArray()) {
            if (a.isJsonPrimitive() && a.getAsString().equals("CLIPTextModelWithProjection")) {
                return true;
            }
        }
        return false;
    }

    public static ClipTextConfig read(Path configJson) throws IOException {
        return Json.readConfig(configJson, ClipTextConfig::from);
    }

    /** This config as transformers writes {@code text_encoder/config.json}. */
    public JsonObject toJson() {
        JsonObject o = new JsonObject();
        JsonArray arch = new JsonArray();
        arch.add(projectionDim > 0 ? "CLIPTextModelWithProjection" : "CLIPTextModel");
        o.add("architectures", arch);
        o.addProperty("model_type", "clip_text_model");
        o.addProperty("vocab_size", vocabSize);
        o.addProperty("hidden_size", hiddenSize);
        o.addProperty("intermediate_size", intermediateSize);
        o.addProperty("num_hidden_layers", numHiddenLayers);
        o.addProperty("num_attention_heads", numAttentionHeads);
        o.addProperty("max_position_embeddings", maxPositionEmbeddings);
        o.addProperty("hidden_act", hiddenAct);
        o.addProperty("layer_norm_eps", layerNormEps);
        o.addProperty("eos_token_id", eosTokenId);
        if (projectionDim > 0) {
            o.addProperty("projection_dim", projectionDim);
        }
        o.addProperty("torch_dtype", "float32");
        return o;
    }

    int headDim() {
        return hiddenSize / numAttentionHeads;
    }
}
