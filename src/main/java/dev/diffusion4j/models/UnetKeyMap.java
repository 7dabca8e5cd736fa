package dev.diffusion4j.models;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Original (CompVis / SGM) UNet keys, relative to {@code model.diffusion_model.}, to diffusers'
 * UNet2DConditionModel keys. The original UNet is a flat list of blocks: {@code input_blocks.0} is conv_in, then per
 * level {@code layers_per_block} blocks of [resnet, optional transformer] and (except on the last level) one
 * downsampler block; {@code output_blocks} has {@code layers_per_block + 1} blocks per level, the last of each level
 * carrying the upsampler. The depth and layers per block are read off the keys, so any such UNet maps (SD 1.x/2.x's
 * 4 levels, SDXL's 3, the tiny fixtures' 2); transformer internals ({@code transformer_blocks.*}, proj_in/out, norm)
 * already have diffusers' names.
 */
final class UnetKeyMap {

    private static final Pattern BLOCK = Pattern.compile("(input_blocks|output_blocks)\\.(\\d+)\\.(\\d+)\\.(.+)");
    private static final Pattern MIDDLE = Pattern.compile("middle_block\\.(\\d+)\\.(.+)");
    private static final Pattern DOWNSAMPLER = Pattern.compile("input_blocks\\.(\\d+)\\.0\\.op\\..+");
    private static final Pattern INPUT = Pattern.compile("input_blocks\\.(\\d+)\\..+");

    /** Resnet sub-modules: the original nn.Sequential indices to diffusers' ResnetBlock2D names. */
    private static final Map<String, String> RESNET = Map.of(
            "in_layers.0", "norm1",
            "in_layers.2", "conv1",
            "emb_layers.1", "time_emb_proj",
            "out_layers.0", "norm2",
            "out_layers.3", "conv2",
            "skip_connection", "conv_shortcut");

    private static final Map<String, String> TOP = Map.of(
            "time_embed.0", "time_embedding.linear_1",
            "time_embed.2", "time_embedding.linear_2",
            "label_emb.0.0", "add_embedding.linear_1",
            "label_emb.0.2", "add_embedding.linear_2",
            "input_blocks.0.0", "conv_in",
            "out.0", "conv_norm_out",
            "out.2", "conv_out");

    /** Blocks per level in {@code input_blocks}: {@code layers_per_block} resnets plus the downsampler. */
    private final int inputPerLevel;

    /** @param keys every UNet key of the file, relative to {@code model.diffusion_model.} */
    UnetKeyMap(Collection<String> keys) {
        int firstDownsampler = Integer.MAX_VALUE;
        int lastInput = 0;
        for (String k : keys) {
            Matcher d = DOWNSAMPLER.matcher(k);
            if (d.matches()) {
                firstDownsampler = Math.min(firstDownsampler, Integer.parseInt(d.group(1)));
            }
            Matcher i = INPUT.matcher(k);
            if (i.matches()) {
                lastInput = Math.max(lastInput, Integer.parseInt(i.group(1)));
            }
        }
        // A one-level UNet has no downsampler: all its input blocks after conv_in are that level's layers.
        int layersPerBlock = firstDownsampler == Integer.MAX_VALUE ? lastInput : firstDownsampler - 1;
        this.inputPerLevel = Math.max(layersPerBlock, 1) + 1;
    }

    int layersPerBlock() {
        return inputPerLevel - 1;
    }

    /** The diffusers key(s) of {@code key}, or null when it is not a UNet key this layout knows. */
    List<Renamed> rename(String key) {
        String top = renameModule(key, TOP);
        if (top != null) {
            return Renamed.as(top);
        }
        Matcher m = MIDDLE.matcher(key);
        if (m.matches()) {
            int k = Integer.parseInt(m.group(1));
            // Resnets and transformers alternate: middle_block.0 resnet, .1 transformer, .2 resnet.
            return k % 2 == 0 ? resnet("mid_block.resnets." + k / 2 + ".", m.group(2))
                    : Renamed.as("mid_block.attentions." + k / 2 + "." + m.group(2));
        }
        m = BLOCK.matcher(key);
        if (!m.matches()) {
            return null;
        }
        int block = Integer.parseInt(m.group(2));
        int sub = Integer.parseInt(m.group(3));
        String rest = m.group(4);
        return m.group(1).equals("input_blocks") ? input(block, sub, rest) : output(block, sub, rest);
    }

    private List<Renamed> input(int block, int sub, String rest) {
        if (block == 0) {
            return null;
        }
        int level = (block - 1) / inputPerLevel;
        int layer = (block - 1) % inputPerLevel;
        String prefix = "down_blocks." + level + ".";
        if (layer == inputPerLevel - 1) {
            return sub == 0 && rest.startsWith("op.")
                    ? Renamed.as(prefix + "downsamplers.0.conv." + rest.substring(3)) : null;
        }
        return layerModule(prefix, layer, sub, rest);
    }

    private List<Renamed> output(int block, int sub, String rest) {
        // Up blocks have one resnet more than down blocks: the extra one consumes the downsampler's skip.
        int level = block / inputPerLevel;
        int layer = block % inputPerLevel;
        String prefix = "up_blocks." + level + ".";
        // The upsampler follows the resnet (sub 1) or the resnet and transformer (sub 2); transformers have no "conv".
        if (sub > 0 && rest.startsWith("conv.")) {
            return layer == inputPerLevel - 1 ? Renamed.as(prefix + "upsamplers.0." + rest) : null;
        }
        return layerModule(prefix, layer, sub, rest);
    }

    private static List<Renamed> layerModule(String prefix, int layer, int sub, String rest) {
        return switch (sub) {
            case 0 -> resnet(prefix + "resnets." + layer + ".", rest);
            case 1 -> Renamed.as(prefix + "attentions." + layer + "." + rest);
            default -> null;
        };
    }

    private static List<Renamed> resnet(String prefix, String rest) {
        String name = renameModule(rest, RESNET);
        return name == null ? null : Renamed.as(prefix + name);
    }

    /** Renames {@code module.param} when {@code module} is a key of {@code names}. */
    private static String renameModule(String key, Map<String, String> names) {
        int dot = key.lastIndexOf('.');
        if (dot < 0) {
            return null;
        }
        String module = names.get(key.substring(0, dot));
        return module == null ? null : module + key.substring(dot);
    }
}
