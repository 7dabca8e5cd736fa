package dev.diffusion4j.models;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The diffusers configs of the published models, for single files that carry none: runwayml/stable-diffusion-v1-5,
 * runwayml/stable-diffusion-inpainting, stabilityai/stable-diffusion-2-1 (768-v) and -2-1-base (512, ε), and
 * stabilityai/stable-diffusion-xl-base-1.0. Values are the published {@code config.json} files' as they are
 * (including keys this project does not read); the caller parses them with the project's config readers.
 *
 * <p>Parts: {@code unet}, {@code vae}, {@code text_encoder}, {@code text_encoder_2} (SDXL), {@code scheduler}
 * ({@code scheduler_config.json}), {@code tokenizer} and {@code tokenizer_2} (their {@code special_tokens_map.json}:
 * the pad token differs between CLIP's and open_clip's tokenizers; the vocabulary itself is not included).
 */
public final class BuiltInConfigs {

    private static final String[] PARTS =
            {"unet", "vae", "text_encoder", "text_encoder_2", "scheduler", "tokenizer", "tokenizer_2"};

    private BuiltInConfigs() {}

    /**
     * The JSON text of every part of {@code family}'s published model, by part name.
     *
     * @param prediction required for SD 2.x, whose 768-v and 512-base models have the same keys (see
     *     {@link FamilyDetection#needsPredictionType}); for other families null or {@link PredictionType#EPSILON}, the
     *     only published kind
     * @throws IllegalArgumentException for a family without a built-in config, or a missing/impossible prediction type
     */
    public static Map<String, String> forFamily(ModelFamily family, PredictionType prediction) {
        if (family == ModelFamily.SD2) {
            if (prediction == null) {
                throw new IllegalArgumentException("Stable Diffusion 2.x needs a prediction type: the 768-v "
                        + "(v_prediction) and 512-base (epsilon) models cannot be told apart from their weights");
            }
            return prediction == PredictionType.V_PREDICTION ? read("sd21")
                    : read("sd21-base", "sd21");
        }
        if (prediction != null && prediction != PredictionType.EPSILON) {
            throw new IllegalArgumentException("no built-in " + prediction.configValue() + " config for "
                    + family.displayName());
        }
        return switch (family) {
            case SD1 -> read("sd15");
            // The published inpainting model is SD 1.5's: its VAE, text encoder and tokenizer are SD 1.5's.
            case INPAINTING -> read("sd15-inpainting", "sd15");
            case SDXL -> read("sdxl-base");
            default -> throw new IllegalArgumentException("no built-in config for " + family.displayName());
        };
    }

    /** Each part from the first folder that has it. */
    private static Map<String, String> read(String... folders) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String part : PARTS) {
            for (String folder : folders) {
                String text = resource(folder + "/" + part + ".json");
                if (text != null) {
                    out.put(part, text);
                    break;
                }
            }
        }
        return out;
    }

    private static String resource(String name) {
        try (InputStream in = BuiltInConfigs.class.getResourceAsStream(name)) {
            return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("reading built-in config " + name, e);
        }
    }
}
