package dev.diffusion4j.models;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The original single-file layouts (CompVis / A1111 for SD 1.x/2.x, SGM for SDXL) and their map to diffusers names.
 * A file is split into parts by key prefix ({@code model.diffusion_model.} → unet, {@code first_stage_model.} → vae,
 * the text encoders' prefixes per family); each part's keys are renamed by its key map, which reads the part's depth
 * and layers per block off the keys themselves, so the map holds for any size of these architectures.
 */
public final class SingleFileLayout {

    /** Schedule tables and EMA bookkeeping that LDM checkpoints save with the weights; diffusers recomputes them. */
    private static final Pattern BUFFERS = Pattern.compile(
            "betas|alphas_cumprod(_prev)?|sqrt_\\w+|log_one_minus_alphas_cumprod|posterior_\\w+|model_ema\\..+");

    private static final String UNET = "model.diffusion_model.";
    private static final String VAE = "first_stage_model.";

    private SingleFileLayout() {}

    /** {@link #map(Map, ModelFamily, boolean)} with the file's regular (non-EMA) UNet weights. */
    public static SingleFileMapping map(Map<String, long[]> shapes, ModelFamily family) {
        return map(shapes, family, false);
    }

    /**
     * Maps every tensor of an original single file to its diffusers part and key.
     *
     * @param shapes every key of the file with its shape
     * @param family the file's family, as {@link FamilyDetection#detect} found it
     * @param emaWeights take the UNet from the {@code model_ema.*} copies (keys without dots) instead; fails if the
     *     file has none
     */
    public static SingleFileMapping map(Map<String, long[]> shapes, ModelFamily family, boolean emaWeights) {
        List<Part> parts = new ArrayList<>();
        parts.add(new Part("unet", UNET, keys -> {
            UnetKeyMap unet = new UnetKeyMap(keys);
            return (key, shape) -> unet.rename(key);
        }));
        parts.add(new Part("vae", VAE, keys -> new VaeKeyMap(keys)::rename));
        switch (family) {
            case SD1, SD2, INPAINTING -> {
                parts.add(new Part("text_encoder", "cond_stage_model.transformer.", huggingFace()));
                parts.add(new Part("text_encoder", "cond_stage_model.model.", openClip(true)));
            }
            case SDXL -> {
                parts.add(new Part("text_encoder", "conditioner.embedders.0.transformer.", huggingFace()));
                parts.add(new Part("text_encoder_2", "conditioner.embedders.1.model.", openClip(false)));
            }
            case SDXL_REFINER -> parts.add(new Part("text_encoder_2", "conditioner.embedders.0.model.", openClip(false)));
            default -> throw new IllegalArgumentException("no single-file layout for " + family.displayName());
        }

        Map<String, Map<String, SourceTensor>> out = new LinkedHashMap<>();
        TreeSet<String> ignored = new TreeSet<>();
        TreeSet<String> unexpected = new TreeSet<>();
        Set<String> claimed = new TreeSet<>();
        for (Part part : parts) {
            Map<String, long[]> own = new LinkedHashMap<>();
            shapes.forEach((k, s) -> {
                if (k.startsWith(part.prefix)) {
                    own.put(k.substring(part.prefix.length()), s);
                }
            });
            if (own.isEmpty()) {
                continue;
            }
            Renamer renamer = part.renamer.apply(own.keySet());
            Map<String, SourceTensor> target = out.computeIfAbsent(part.name, n -> new LinkedHashMap<>());
            own.forEach((rest, shape) -> {
                String key = part.prefix + rest;
                claimed.add(key);
                List<Renamed> renamed = renamer.rename(rest, shape);
                if (renamed == null) {
                    unexpected.add(key);
                } else if (renamed.isEmpty()) {
                    ignored.add(key);
                }
                for (Renamed r : renamed == null ? List.<Renamed>of() : renamed) {
                    SourceTensor source = new SourceTensor(key, r.transform(), r.transform().shape(key, shape));
                    SourceTensor clash = target.putIfAbsent(r.key(), source);
                    if (clash != null) {
                        throw new IllegalArgumentException("both " + clash.key() + " and " + key + " map to "
                                + part.name + "/" + r.key());
                    }
                }
            });
        }
        for (String key : shapes.keySet()) {
            if (!claimed.contains(key)) {
                (BUFFERS.matcher(key).matches() ? ignored : unexpected).add(key);
            }
        }
        if (emaWeights) {
            useEma(out.get("unet"), shapes, ignored);
        }
        return new SingleFileMapping(out, ignored, unexpected);
    }

    /**
     * The original (CompVis / SGM) name of every parameter of a diffusers UNet, for files that name UNet modules the
     * original way (kohya LoRAs: {@code lora_unet_input_blocks_4_1_transformer_blocks_0_attn1_to_q}). The layers per
     * block are read off the names; each original name is kept only when {@link UnetKeyMap} maps it back to exactly
     * the diffusers name it came from, so the two maps cannot disagree.
     *
     * @param unetNames every parameter name of the UNet (diffusers naming)
     * @return original name (without {@code model.diffusion_model.}) to diffusers name
     */
    public static Map<String, String> originalUnetNames(Set<String> unetNames) {
        Pattern firstLevel = Pattern.compile("down_blocks\\.0\\.resnets\\.(\\d+)\\..+");
        int layersPerBlock = unetNames.stream().map(firstLevel::matcher).filter(Matcher::matches)
                .mapToInt(m -> Integer.parseInt(m.group(1)) + 1).max().orElse(1);
        Map<String, String> original = new LinkedHashMap<>();
        for (String name : unetNames) {
            String key = OriginalKeys.unet(name, layersPerBlock, unetNames);
            if (key != null) {
                original.put(key, name);
            }
        }
        UnetKeyMap forward = new UnetKeyMap(original.keySet());
        original.entrySet().removeIf(e -> !Renamed.as(e.getValue()).equals(forward.rename(e.getKey())));
        return original;
    }

    /**
     * Points the UNet at LDM's EMA copies, saved as {@code model_ema.} plus the module path without its dots
     * ({@code model_ema.diffusion_modelinput_blocks00weight}); the regular weights become ignored.
     */
    private static void useEma(Map<String, SourceTensor> unet, Map<String, long[]> shapes, Set<String> ignored) {
        if (unet == null) {
            throw new IllegalArgumentException("EMA weights asked for, but the file has no UNet");
        }
        unet.replaceAll((name, source) -> {
            String ema = "model_ema." + source.key().substring("model.".length()).replace(".", "");
            if (!shapes.containsKey(ema)) {
                throw new IllegalArgumentException("EMA weights asked for, but the file has no " + ema
                        + " (EMA copy of " + source.key() + ")");
            }
            ignored.add(source.key());
            ignored.remove(ema);
            return new SourceTensor(ema, source.transform(), source.shape());
        });
    }

    private static Function<Set<String>, Renamer> huggingFace() {
        return keys -> (key, shape) -> ClipKeyMap.huggingFace(key);
    }

    private static Function<Set<String>, Renamer> openClip(boolean dropLast) {
        return keys -> {
            ClipKeyMap clip = ClipKeyMap.openClip(keys, dropLast);
            return (key, shape) -> clip.rename(key);
        };
    }

    /** Renames one key of a part (relative to the part's prefix); see {@link UnetKeyMap#rename}. */
    private interface Renamer {
        List<Renamed> rename(String key, long[] shape);
    }

    /** Keys under {@code prefix} belong to part {@code name}; {@code renamer} is built from all of them. */
    private record Part(String name, String prefix, Function<Set<String>, Renamer> renamer) {}
}
