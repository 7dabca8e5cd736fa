package dev.diffusion4j.models;

import java.util.Map;

/**
 * What an original single file holds, told from its keys and shapes alone (no config travels with such files).
 *
 * @param family the architecture; {@link ModelFamily#UNKNOWN} when refused
 * @param reason why: the keys and shapes that decided it, or what the file looks like instead
 * @param refused whether the file cannot be loaded as a model at all (a LoRA, an embedding, a VAE alone, unknown);
 *     {@code reason} then says so in words meant for the user
 * @param needsPredictionType SD 2.x: the 512 (ε) and 768 (v-prediction) models have identical keys and shapes, so
 *     the caller must decide (a flag, a sidecar config, or a test forward as A1111 does)
 */
public record FamilyDetection(ModelFamily family, String reason, boolean refused, boolean needsPredictionType) {

    private static final String UNET_IN = "model.diffusion_model.input_blocks.0.0.weight";
    private static final String LABEL_EMB = "model.diffusion_model.label_emb.0.0.weight";

    /** Detects the family of a file given every key with its shape. */
    public static FamilyDetection detect(Map<String, long[]> shapes) {
        if (shapes.isEmpty()) {
            return refuse("the file holds no tensors");
        }
        if (shapes.keySet().stream().anyMatch(FamilyDetection::isLoraKey)) {
            return refuse("this file looks like a LoRA; use --lora");
        }
        if (shapes.containsKey("emb_params") || shapes.keySet().stream().anyMatch(k -> k.startsWith("string_to_param"))
                || shapes.size() <= 2 && shapes.values().stream().allMatch(s -> s.length == 1 || s.length == 2)) {
            // diffusers' learned_embeds.safetensors: one key per token, one vector or a few.
            return refuse("this file looks like a textual-inversion embedding; use --embeddings");
        }
        long[] convIn = shapes.get(UNET_IN);
        if (convIn == null) {
            boolean vae = shapes.keySet().stream().allMatch(k -> k.startsWith("first_stage_model.")
                    || k.startsWith("encoder.") || k.startsWith("decoder.") || k.endsWith("quant_conv.weight")
                    || k.endsWith("quant_conv.bias"));
            return vae ? refuse("this file looks like a VAE alone; use --vae")
                    : refuse("unrecognised file: no " + UNET_IN + " (first keys: " + firstKeys(shapes) + ")");
        }
        long context = contextDim(shapes);
        String where = "UNet " + convIn[1] + " input channels, cross-attention context " + context;
        if (has(shapes, "conditioner.embedders.1.") && has(shapes, "conditioner.embedders.0.")) {
            return found(ModelFamily.SDXL, "SGM layout with two text encoders (conditioner.embedders.0/1), " + where);
        }
        if (has(shapes, "conditioner.embedders.0.model.")) {
            long[] label = shapes.get(LABEL_EMB);
            return found(ModelFamily.SDXL_REFINER, "SGM layout with one open_clip encoder, label_emb input "
                    + (label == null ? "missing" : String.valueOf(label[1])) + " (aesthetic score), " + where);
        }
        boolean sd1 = has(shapes, "cond_stage_model.transformer.");
        boolean sd2 = has(shapes, "cond_stage_model.model.");
        if (sd1 == sd2) {
            return refuse("unrecognised text encoder: expected cond_stage_model.transformer.* (SD 1.x) or "
                    + "cond_stage_model.model.* (SD 2.x), " + where);
        }
        String encoder = sd1 ? "CLIP ViT-L text encoder (cond_stage_model.transformer.*)"
                : "open_clip ViT-H text encoder (cond_stage_model.model.*)";
        if (convIn[1] == 9) {
            return new FamilyDetection(ModelFamily.INPAINTING, encoder + ", " + where, false, sd2);
        }
        if (convIn[1] != 4) {
            return refuse("unsupported UNet with " + convIn[1] + " input channels (" + encoder + ")");
        }
        return new FamilyDetection(sd1 ? ModelFamily.SD1 : ModelFamily.SD2, encoder + ", " + where, false, sd2);
    }

    private static boolean isLoraKey(String k) {
        return k.startsWith("lora_unet_") || k.startsWith("lora_te") || k.contains(".lora_down.")
                || k.contains(".lora_up.") || k.contains(".lora_A.") || k.contains(".lora_B.");
    }

    /** The width of the text the UNet attends to: the input width of the first cross-attention key projection. */
    private static long contextDim(Map<String, long[]> shapes) {
        return shapes.entrySet().stream()
                .filter(e -> e.getKey().startsWith("model.diffusion_model.") && e.getKey().endsWith(".attn2.to_k.weight"))
                .mapToLong(e -> e.getValue()[e.getValue().length - 1]).findFirst().orElse(0);
    }

    private static boolean has(Map<String, long[]> shapes, String prefix) {
        return shapes.keySet().stream().anyMatch(k -> k.startsWith(prefix));
    }

    private static String firstKeys(Map<String, long[]> shapes) {
        return String.join(", ", shapes.keySet().stream().sorted().limit(3).toList());
    }

    private static FamilyDetection found(ModelFamily family, String reason) {
        return new FamilyDetection(family, reason, false, false);
    }

    private static FamilyDetection refuse(String reason) {
        return new FamilyDetection(ModelFamily.UNKNOWN, reason, true, false);
    }

    @Override
    public String toString() {
        return family.displayName() + (refused ? " (refused: " : " (") + reason + ")";
    }
}
