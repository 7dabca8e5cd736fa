package dev.diffusion4j.models;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Text-encoder keys of original single files to transformers' CLIPTextModel / CLIPTextModelWithProjection names.
 * SD 1.x and SDXL's first encoder are stored with transformers' own keys ({@link #huggingFace}); SD 2.x's encoder and
 * SDXL's second are open_clip models ({@link #openClip}): fused q/k/v {@code in_proj}, {@code ln_1/ln_2},
 * {@code mlp.c_fc/c_proj}, a bare {@code positional_embedding} and a {@code text_projection} used as x @ P.
 */
final class ClipKeyMap {

    private static final Pattern RESBLOCK = Pattern.compile("transformer\\.resblocks\\.(\\d+)\\.(.+)");

    private static final Map<String, String> OPEN_CLIP_LAYER = Map.of(
            "ln_1", "layer_norm1",
            "ln_2", "layer_norm2",
            "mlp.c_fc", "mlp.fc1",
            "mlp.c_proj", "mlp.fc2",
            "attn.out_proj", "self_attn.out_proj");

    private static final Map<String, String> OPEN_CLIP_TOP = Map.of(
            "token_embedding.weight", "text_model.embeddings.token_embedding.weight",
            "positional_embedding", "text_model.embeddings.position_embedding.weight",
            "ln_final.weight", "text_model.final_layer_norm.weight",
            "ln_final.bias", "text_model.final_layer_norm.bias");

    /** Number of open_clip resblocks diffusers keeps; later ones are ignored. */
    private final int layers;
    /** Whether {@code text_projection} becomes CLIPTextModelWithProjection's {@code text_projection.weight}. */
    private final boolean projection;

    private ClipKeyMap(int layers, boolean projection) {
        this.layers = layers;
        this.projection = projection;
    }

    /**
     * An open_clip text tower.
     *
     * @param keys its keys, relative to the {@code model.} prefix
     * @param dropLast SD 2.x conditions on the penultimate layer, so diffusers' SD 2.x encoder has 23 of the 24
     *     resblocks (and no projection); SDXL's bigG encoder keeps all of them and its projection
     */
    static ClipKeyMap openClip(Collection<String> keys, boolean dropLast) {
        int count = 0;
        for (String k : keys) {
            Matcher m = RESBLOCK.matcher(k);
            if (m.matches()) {
                count = Math.max(count, Integer.parseInt(m.group(1)) + 1);
            }
        }
        return new ClipKeyMap(dropLast ? count - 1 : count, !dropLast);
    }

    /** transformers keys (minus the {@code position_ids} buffer), with or without the {@code text_model.} level that older transformers versions lacked. */
    static List<Renamed> huggingFace(String key) {
        if (key.endsWith("embeddings.position_ids")) {
            return List.of();
        }
        return Renamed.as(key.startsWith("text_model.") ? key : "text_model." + key);
    }

    /** The diffusers key(s) of open_clip {@code key}, an empty list for a deliberately dropped one, or null for an unknown one. */
    List<Renamed> rename(String key) {
        String top = OPEN_CLIP_TOP.get(key);
        if (top != null) {
            return Renamed.as(top);
        }
        if (key.equals("logit_scale")) {
            return List.of();
        }
        if (key.equals("text_projection")) {
            return projection ? List.of(new Renamed("text_projection.weight", Transform.TRANSPOSE)) : List.of();
        }
        Matcher m = RESBLOCK.matcher(key);
        if (!m.matches()) {
            return null;
        }
        int layer = Integer.parseInt(m.group(1));
        if (layer >= layers) {
            return List.of();
        }
        String prefix = "text_model.encoder.layers." + layer + ".";
        String rest = m.group(2);
        if (rest.equals("attn.in_proj_weight") || rest.equals("attn.in_proj_bias")) {
            return Renamed.splitQkv(prefix + "self_attn.", rest.endsWith("weight") ? ".weight" : ".bias");
        }
        int dot = rest.lastIndexOf('.');
        String module = dot < 0 ? null : OPEN_CLIP_LAYER.get(rest.substring(0, dot));
        return module == null ? null : Renamed.as(prefix + module + rest.substring(dot));
    }
}
