package dev.diffusion4j.models;

import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * diffusers names back to the original (CompVis / A1111) single-file keys, for writing a folder as one file: the
 * inverse of {@link UnetKeyMap}, {@link VaeKeyMap} and the Hugging Face CLIP prefix. Generic in depth and layers per
 * block like the forward maps; {@link Conversion} checks every result by mapping it forward again.
 */
final class OriginalKeys {

    private static final Pattern DOWN = Pattern.compile("down_blocks\\.(\\d+)\\.(resnets|attentions|downsamplers)\\.(\\d+)\\.(.+)");
    private static final Pattern UP = Pattern.compile("up_blocks\\.(\\d+)\\.(resnets|attentions|upsamplers)\\.(\\d+)\\.(.+)");
    private static final Pattern MID = Pattern.compile("mid_block\\.(resnets|attentions)\\.(\\d+)\\.(.+)");
    private static final Pattern VAE_LEVEL = Pattern.compile(
            "(encoder|decoder)\\.(down|up)_blocks\\.(\\d+)\\.(resnets\\.(\\d+)|downsamplers\\.0|upsamplers\\.0)\\.(.+)");
    private static final Pattern VAE_MID = Pattern.compile("(encoder|decoder)\\.mid_block\\.(resnets|attentions)\\.(\\d+)\\.(.+)");

    private static final Map<String, String> UNET_TOP = Map.of(
            "time_embedding.linear_1", "time_embed.0", "time_embedding.linear_2", "time_embed.2",
            "add_embedding.linear_1", "label_emb.0.0", "add_embedding.linear_2", "label_emb.0.2",
            "conv_in", "input_blocks.0.0", "conv_norm_out", "out.0", "conv_out", "out.2");
    private static final Map<String, String> RESNET = Map.of(
            "norm1", "in_layers.0", "conv1", "in_layers.2", "time_emb_proj", "emb_layers.1",
            "norm2", "out_layers.0", "conv2", "out_layers.3", "conv_shortcut", "skip_connection");
    private static final Map<String, String> VAE_TOP = Map.of(
            "encoder.conv_norm_out", "encoder.norm_out", "decoder.conv_norm_out", "decoder.norm_out");
    private static final Map<String, String> VAE_ATTENTION = Map.of(
            "group_norm", "norm", "to_q", "q", "to_k", "k", "to_v", "v", "to_out.0", "proj_out");

    private OriginalKeys() {}

    /**
     * The original key of UNet parameter {@code key} (without {@code model.diffusion_model.}).
     *
     * @param layersPerBlock the config's {@code layers_per_block}
     * @param keys every UNet key, to tell which up blocks have attentions (their upsampler follows the transformer)
     */
    static String unet(String key, int layersPerBlock, Set<String> keys) {
        int perLevel = layersPerBlock + 1;
        String top = module(key, UNET_TOP);
        if (top != null) {
            return top;
        }
        Matcher m = DOWN.matcher(key);
        if (m.matches()) {
            int level = Integer.parseInt(m.group(1));
            int j = Integer.parseInt(m.group(3));
            return switch (m.group(2)) {
                case "resnets" -> "input_blocks." + (1 + level * perLevel + j) + ".0." + resnet(m.group(4));
                case "attentions" -> "input_blocks." + (1 + level * perLevel + j) + ".1." + m.group(4);
                default -> "input_blocks." + (1 + level * perLevel + layersPerBlock) + ".0.op."
                        + m.group(4).replaceFirst("^conv\\.", "");
            };
        }
        m = UP.matcher(key);
        if (m.matches()) {
            int level = Integer.parseInt(m.group(1));
            int j = Integer.parseInt(m.group(3));
            return switch (m.group(2)) {
                case "resnets" -> "output_blocks." + (level * perLevel + j) + ".0." + resnet(m.group(4));
                case "attentions" -> "output_blocks." + (level * perLevel + j) + ".1." + m.group(4);
                default -> {
                    boolean attention = keys.stream().anyMatch(k -> k.startsWith("up_blocks." + level + ".attentions."));
                    yield "output_blocks." + (level * perLevel + layersPerBlock) + "." + (attention ? 2 : 1) + "."
                            + m.group(4);
                }
            };
        }
        m = MID.matcher(key);
        if (m.matches()) {
            int j = Integer.parseInt(m.group(2));
            return m.group(1).equals("resnets") ? "middle_block." + 2 * j + "." + resnet(m.group(3))
                    : "middle_block." + (2 * j + 1) + "." + m.group(3);
        }
        return null;
    }

    /**
     * The original key of VAE parameter {@code key} (without {@code first_stage_model.}).
     *
     * @param upLevels the decoder's number of up blocks (the original numbers them from the lowest resolution)
     */
    static String vae(String key, int upLevels) {
        String top = module(key, VAE_TOP);
        if (top != null) {
            return top;
        }
        Matcher m = VAE_LEVEL.matcher(key);
        if (m.matches()) {
            boolean up = m.group(2).equals("up");
            int level = Integer.parseInt(m.group(3));
            String block = m.group(1) + (up ? ".up." + (upLevels - 1 - level) : ".down." + level) + ".";
            if (m.group(5) != null) {
                return block + "block." + m.group(5) + "." + m.group(6).replaceFirst("^conv_shortcut\\.", "nin_shortcut.");
            }
            return block + (up ? "upsample." : "downsample.") + m.group(6);
        }
        m = VAE_MID.matcher(key);
        if (m.matches()) {
            if (m.group(2).equals("resnets")) {
                return m.group(1) + ".mid.block_" + (Integer.parseInt(m.group(3)) + 1) + "."
                        + m.group(4).replaceFirst("^conv_shortcut\\.", "nin_shortcut.");
            }
            String module = module(m.group(4), VAE_ATTENTION);
            return module == null ? null : m.group(1) + ".mid.attn_1." + module;
        }
        return key;
    }

    private static String resnet(String rest) {
        String module = module(rest, RESNET);
        return module == null ? rest : module;
    }

    /** Renames {@code module.param} when {@code module} is a key of {@code names}. */
    private static String module(String key, Map<String, String> names) {
        int dot = key.lastIndexOf('.');
        if (dot < 0) {
            return null;
        }
        String module = names.get(key.substring(0, dot));
        return module == null ? null : module + key.substring(dot);
    }
}
