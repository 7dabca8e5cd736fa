package dev.diffusion4j.vae;

import com.google.gson.JsonObject;
import dev.diffusion4j.io.Json;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

/** The keys of a diffusers {@code vae/config.json} (AutoencoderKL) with diffusers' defaults. */
public record AutoencoderKLConfig(int inChannels, int outChannels, int latentChannels, int[] blockOutChannels,
                                  int layersPerBlock, int normNumGroups, float scalingFactor, int sampleSize) {

    public AutoencoderKLConfig {
        if (normNumGroups < 1 || blockOutChannels.length == 0) {
            throw new IllegalArgumentException("norm_num_groups must be ≥ 1 and block_out_channels non-empty, got "
                    + normNumGroups + " and " + Arrays.toString(blockOutChannels));
        }
        for (int c : blockOutChannels) {
            if (c % normNumGroups != 0) {
                throw new IllegalArgumentException("block_out_channels " + Arrays.toString(blockOutChannels)
                        + " not divisible by norm_num_groups " + normNumGroups);
            }
        }
    }

    /** Stable Diffusion 1.x/2.x's VAE. */
    public static AutoencoderKLConfig sd15() {
        return new AutoencoderKLConfig(3, 3, 4, new int[] {128, 256, 512, 512}, 2, 32, 0.18215f, 512);
    }

    public static AutoencoderKLConfig from(JsonObject o) {
        int[] boc = Json.getInts(o, "block_out_channels", 1, new int[] {64}, 1, 8192);
        for (String key : new String[] {"down_block_types", "up_block_types"}) {
            for (String t : Json.getStrings(o, key, new String[0])) {
                if (!t.equals("DownEncoderBlock2D") && !t.equals("UpDecoderBlock2D")) {
                    throw new IllegalArgumentException("unsupported " + key + " entry " + t);
                }
            }
        }
        return new AutoencoderKLConfig(
                Json.getInt(o, "in_channels", 3, 1, 64),
                Json.getInt(o, "out_channels", 3, 1, 64),
                Json.getInt(o, "latent_channels", 4, 1, 64),
                boc,
                Json.getInt(o, "layers_per_block", 1, 1, 16),
                Json.getInt(o, "norm_num_groups", 32, 1, 1024),
                (float) scalingFactor(o),
                Json.getInt(o, "sample_size", 32, 1, 32768));
    }

    /** A scaling factor of 0 would divide the latents by zero before decoding: an all-black image, silently. */
    private static double scalingFactor(JsonObject o) {
        double f = Json.getDouble(o, "scaling_factor", 0.18215, 0, 100);
        if (f == 0) {
            throw new IllegalArgumentException("scaling_factor must be in (0, 100], got 0");
        }
        return f;
    }

    public static AutoencoderKLConfig read(Path configJson) throws IOException {
        return Json.readConfig(configJson, AutoencoderKLConfig::from);
    }

    /** Pixels per latent cell: {@code 2^(levels-1)}. */
    public int scaleFactor() {
        return 1 << (blockOutChannels.length - 1);
    }

    /** This config as diffusers writes {@code vae/config.json}. */
    public JsonObject toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("_class_name", "AutoencoderKL");
        o.addProperty("_diffusers_version", "0.25.1");
        o.addProperty("in_channels", inChannels);
        o.addProperty("out_channels", outChannels);
        o.addProperty("latent_channels", latentChannels);
        o.add("block_out_channels", Json.array(blockOutChannels));
        String[] down = new String[blockOutChannels.length];
        String[] up = new String[blockOutChannels.length];
        Arrays.fill(down, "DownEncoderBlock2D");
        Arrays.fill(up, "UpDecoderBlock2D");
        o.add("down_block_types", Json.array(down));
        o.add("up_block_types", Json.array(up));
        o.addProperty("layers_per_block", layersPerBlock);
        o.addProperty("norm_num_groups", normNumGroups);
        o.addProperty("scaling_factor", scalingFactor);
        o.addProperty("sample_size", sampleSize);
        o.addProperty("act_fn", "silu");
        return o;
    }
}
