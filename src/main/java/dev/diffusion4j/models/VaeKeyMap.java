package dev.diffusion4j.models;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Original (CompVis) AutoencoderKL keys, relative to {@code first_stage_model.} (or the file root for a VAE alone),
 * to diffusers' names. The decoder's {@code up.N} levels are numbered from the lowest resolution in the original but
 * from the highest in diffusers' {@code up_blocks}, so they are reversed; the count is read off the keys. The
 * mid-block attention's q/k/v/proj_out are 1×1 convolutions in the original and linear layers in diffusers.
 */
final class VaeKeyMap {

    private static final Pattern LEVEL = Pattern.compile("(encoder|decoder)\\.(down|up)\\.(\\d+)\\.(block\\.(\\d+)|downsample|upsample)\\.(.+)");
    private static final Pattern MID_RESNET = Pattern.compile("(encoder|decoder)\\.mid\\.block_(\\d+)\\.(.+)");
    private static final Pattern MID_ATTENTION = Pattern.compile("(encoder|decoder)\\.mid\\.attn_1\\.(\\w+)\\.(weight|bias)");
    private static final Pattern UP_LEVEL = Pattern.compile("decoder\\.up\\.(\\d+)\\..+");

    private static final Map<String, String> ATTENTION = Map.of(
            "norm", "group_norm", "q", "to_q", "k", "to_k", "v", "to_v", "proj_out", "to_out.0");

    private static final Map<String, String> TOP = Map.of(
            "encoder.conv_in", "encoder.conv_in",
            "encoder.conv_out", "encoder.conv_out",
            "encoder.norm_out", "encoder.conv_norm_out",
            "decoder.conv_in", "decoder.conv_in",
            "decoder.conv_out", "decoder.conv_out",
            "decoder.norm_out", "decoder.conv_norm_out",
            "quant_conv", "quant_conv",
            "post_quant_conv", "post_quant_conv");

    private final int upLevels;

    /** @param keys every VAE key of the file, relative to the VAE's prefix */
    VaeKeyMap(Collection<String> keys) {
        int max = -1;
        for (String k : keys) {
            Matcher m = UP_LEVEL.matcher(k);
            if (m.matches()) {
                max = Math.max(max, Integer.parseInt(m.group(1)));
            }
        }
        upLevels = max + 1;
    }

    /** The diffusers key of {@code key} and its transform, or null when it is not a VAE key this layout knows. */
    List<Renamed> rename(String key, long[] shape) {
        int dot = key.lastIndexOf('.');
        String top = dot < 0 ? null : TOP.get(key.substring(0, dot));
        if (top != null) {
            return Renamed.as(top + key.substring(dot));
        }
        Matcher m = LEVEL.matcher(key);
        if (m.matches()) {
            boolean up = m.group(2).equals("up");
            int level = Integer.parseInt(m.group(3));
            String block = m.group(1) + (up ? ".up_blocks." + (upLevels - 1 - level) : ".down_blocks." + level) + ".";
            if (m.group(5) != null) {
                return resnet(block + "resnets." + m.group(5) + ".", m.group(6));
            }
            boolean sampler = m.group(4).equals(up ? "upsample" : "downsample") && m.group(6).startsWith("conv.");
            return sampler ? Renamed.as(block + (up ? "upsamplers.0." : "downsamplers.0.") + m.group(6)) : null;
        }
        m = MID_RESNET.matcher(key);
        if (m.matches()) {
            return resnet(m.group(1) + ".mid_block.resnets." + (Integer.parseInt(m.group(2)) - 1) + ".", m.group(3));
        }
        m = MID_ATTENTION.matcher(key);
        if (m.matches() && ATTENTION.containsKey(m.group(2))) {
            String name = m.group(1) + ".mid_block.attentions.0." + ATTENTION.get(m.group(2)) + "." + m.group(3);
            // Some converted files already hold [C, C] matrices; only genuine 1x1 conv weights are squeezed.
            boolean conv = !m.group(2).equals("norm") && shape.length == 4;
            return List.of(new Renamed(name, conv ? Transform.CONV_TO_LINEAR : Transform.IDENTITY));
        }
        return null;
    }

    private static List<Renamed> resnet(String prefix, String rest) {
        String name = rest.startsWith("nin_shortcut.") ? "conv_shortcut." + rest.substring(13) : rest;
        boolean known = name.matches("(norm1|norm2|conv1|conv2|conv_shortcut)\\.(weight|bias)");
        return known ? Renamed.as(prefix + name) : null;
    }
}
