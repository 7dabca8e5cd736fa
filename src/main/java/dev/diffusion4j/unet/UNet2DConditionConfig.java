package dev.diffusion4j.unet;

import com.google.gson.JsonObject;
import dev.diffusion4j.io.Json;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;

/**
 * The keys of a diffusers {@code unet/config.json} that SD 1.x/2.x UNets use, with diffusers' defaults. Per-block
 * values given as one number are expanded to every block.
 *
 * <p>diffusers quirk: {@code attention_head_dim} in SD 1.x/2.x configs is really the number of heads; when
 * {@code num_attention_heads} is absent, diffusers uses {@code attention_head_dim} as the head count, and each
 * transformer's head size is its channel count divided by that.
 *
 * @param additionEmbedType null, or "text_time" (SDXL): the pooled text embedding and the size/crop time ids,
 *     each id embedded in {@code additionTimeEmbedDim} sinusoidal channels, go through {@code add_embedding}
 *     ({@code projectionClassEmbeddingsInputDim} inputs) into the time embedding
 */
public record UNet2DConditionConfig(int inChannels, int outChannels, int[] blockOutChannels, int[] layersPerBlock,
                                    String[] downBlockTypes, String midBlockType, String[] upBlockTypes,
                                    int[] numAttentionHeads, int[] transformerLayersPerBlock, int crossAttentionDim,
                                    int normNumGroups, float normEps, boolean flipSinToCos, int freqShift,
                                    boolean useLinearProjection, boolean upcastAttention, int downsamplePadding,
                                    float midBlockScaleFactor, int sampleSize, String additionEmbedType,
                                    int additionTimeEmbedDim, int projectionClassEmbeddingsInputDim) {

    static final Set<String> DOWN = Set.of("CrossAttnDownBlock2D", "DownBlock2D");
    static final Set<String> UP = Set.of("CrossAttnUpBlock2D", "UpBlock2D");

    public UNet2DConditionConfig {
        int n = blockOutChannels.length;
        check(downBlockTypes.length == n && upBlockTypes.length == n, "down_block_types, up_block_types and "
                + "block_out_channels must have the same length, got " + downBlockTypes.length + ", "
                + upBlockTypes.length + ", " + n);
        check(layersPerBlock.length == n && numAttentionHeads.length == n && transformerLayersPerBlock.length == n,
                "per-block lists (layers_per_block, attention heads, transformer_layers_per_block) must have " + n
                        + " entries");
        for (String t : downBlockTypes) check(DOWN.contains(t), "unsupported down block type " + t + " (supported: " + DOWN + ")");
        for (String t : upBlockTypes) check(UP.contains(t), "unsupported up block type " + t + " (supported: " + UP + ")");
        check(midBlockType.equals("UNetMidBlock2DCrossAttn"),
                "unsupported mid_block_type " + midBlockType + " (supported: UNetMidBlock2DCrossAttn)");
        check(additionEmbedType == null || additionEmbedType.equals("text_time"), "unsupported addition_embed_type "
                + additionEmbedType + " (supported: text_time, as SDXL)");
        check(additionEmbedType == null || additionTimeEmbedDim > 0 && projectionClassEmbeddingsInputDim > 0,
                "addition_embed_type text_time needs addition_time_embed_dim and projection_class_embeddings_input_dim");
        check(normNumGroups >= 1, "norm_num_groups must be ≥ 1, got " + normNumGroups);
        for (int c : blockOutChannels) check(c % normNumGroups == 0, "block_out_channels " + Arrays.toString(blockOutChannels)
                + " not divisible by norm_num_groups " + normNumGroups);
        for (int i = 0; i < n; i++) {
            // diffusers' attention_head_dim quirk: the value is the number of heads, which must split the channels
            boolean attends = downBlockTypes[i].equals("CrossAttnDownBlock2D") || i == n - 1;
            check(numAttentionHeads[i] >= 1 && (!attends || blockOutChannels[i] % numAttentionHeads[i] == 0),
                    "attention heads "
                    + Arrays.toString(numAttentionHeads) + " must be ≥ 1 and divide block_out_channels "
                    + Arrays.toString(blockOutChannels));
        }
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** runwayml/stable-diffusion-v1-5's UNet. */
    public static UNet2DConditionConfig sd15() {
        JsonObject o = new JsonObject();
        o.addProperty("cross_attention_dim", 768);
        return from(o);
    }

    public static UNet2DConditionConfig from(JsonObject o) {
        int[] boc = Json.getInts(o, "block_out_channels", 4, new int[] {320, 640, 1280, 1280}, 1, 8192);
        int n = boc.length;
        String[] down = Json.getStrings(o, "down_block_types",
                new String[] {"CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"});
        String[] up = Json.getStrings(o, "up_block_types",
                new String[] {"UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"});
        int[] headDim = Json.getInts(o, "attention_head_dim", n, fill(n, 8), 1, 1024);
        int[] heads = Json.getInts(o, "num_attention_heads", n, headDim, 1, 1024);
        return new UNet2DConditionConfig(
                Json.getInt(o, "in_channels", 4, 1, 64),
                Json.getInt(o, "out_channels", 4, 1, 64),
                boc,
                Json.getInts(o, "layers_per_block", n, fill(n, 2), 1, 16),
                down,
                Json.getString(o, "mid_block_type", "UNetMidBlock2DCrossAttn"),
                up,
                heads,
                Json.getInts(o, "transformer_layers_per_block", n, fill(n, 1), 1, 64),
                Json.getInt(o, "cross_attention_dim", 1280, 1, 8192),
                Json.getInt(o, "norm_num_groups", 32, 1, 1024),
                (float) Json.getDouble(o, "norm_eps", 1e-5, Double.MIN_VALUE, 1),
                Json.getBool(o, "flip_sin_to_cos", true),
                Json.getInt(o, "freq_shift", 0, 0, 1),
                Json.getBool(o, "use_linear_projection", false),
                Json.getBool(o, "upcast_attention", false),
                Json.getInt(o, "downsample_padding", 1, 0, 1),
                (float) Json.getDouble(o, "mid_block_scale_factor", 1, 0, 100),
                Json.getInt(o, "sample_size", 64, 1, 4096),
                Json.getString(o, "addition_embed_type", null),
                Json.getInt(o, "addition_time_embed_dim", 0, 0, 4096),
                Json.getInt(o, "projection_class_embeddings_input_dim", 0, 0, 65536));
    }

    public static UNet2DConditionConfig read(Path configJson) throws IOException {
        return Json.readConfig(configJson, UNet2DConditionConfig::from);
    }

    private static int[] fill(int n, int v) {
        int[] a = new int[n];
        Arrays.fill(a, v);
        return a;
    }

    /** Spatial down-sampling factor: latents must be a multiple of it. */
    public int downsampleFactor() {
        return 1 << (blockOutChannels.length - 1);
    }

    int timeEmbedDim() {
        return blockOutChannels[0] * 4;
    }

    /** This config as diffusers writes {@code unet/config.json}. */
    public JsonObject toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("_class_name", "UNet2DConditionModel");
        o.addProperty("_diffusers_version", "0.25.1");
        o.addProperty("in_channels", inChannels);
        o.addProperty("out_channels", outChannels);
        o.add("block_out_channels", Json.array(blockOutChannels));
        o.add("layers_per_block", Json.array(layersPerBlock));
        o.add("down_block_types", Json.array(downBlockTypes));
        o.addProperty("mid_block_type", midBlockType);
        o.add("up_block_types", Json.array(upBlockTypes));
        o.add("attention_head_dim", Json.array(numAttentionHeads));
        o.add("transformer_layers_per_block", Json.array(transformerLayersPerBlock));
        o.addProperty("cross_attention_dim", crossAttentionDim);
        o.addProperty("norm_num_groups", normNumGroups);
        o.addProperty("norm_eps", normEps);
        o.addProperty("flip_sin_to_cos", flipSinToCos);
        o.addProperty("freq_shift", freqShift);
        o.addProperty("use_linear_projection", useLinearProjection);
        o.addProperty("upcast_attention", upcastAttention);
        o.addProperty("downsample_padding", downsamplePadding);
        o.addProperty("mid_block_scale_factor", midBlockScaleFactor);
        o.addProperty("sample_size", sampleSize);
        if (additionEmbedType != null) {
            o.addProperty("addition_embed_type", additionEmbedType);
            o.addProperty("addition_time_embed_dim", additionTimeEmbedDim);
            o.addProperty("projection_class_embeddings_input_dim", projectionClassEmbeddingsInputDim);
        }
        o.addProperty("act_fn", "silu");
        return o;
    }
}
