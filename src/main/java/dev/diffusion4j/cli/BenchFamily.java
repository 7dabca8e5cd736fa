package dev.diffusion4j.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.diffusion4j.models.BuiltInConfigs;
import dev.diffusion4j.models.ModelFamily;
import dev.diffusion4j.text.ClipTextConfig;
import dev.diffusion4j.unet.AddedConditions;
import dev.diffusion4j.unet.UNet2DConditionConfig;
import dev.diffusion4j.vae.AutoencoderKLConfig;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The architectures {@code d4j bench} builds with random weights: SD 1.5 (one CLIP ViT-L encoder, 860M UNet) or SDXL
 * base 1.0 (CLIP ViT-L + OpenCLIP bigG encoders, the 2.6B text_time UNet), from the published configs.
 *
 * @param textEncoders the encoders one prompt batch runs through, in order
 */
record BenchFamily(String name, List<ClipTextConfig> textEncoders, UNet2DConditionConfig unet,
                   AutoencoderKLConfig vae) {

    static BenchFamily parse(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "sd15", "sd1" -> new BenchFamily("sd15", List.of(ClipTextConfig.sd15()), UNet2DConditionConfig.sd15(),
                    AutoencoderKLConfig.sd15());
            case "sdxl" -> {
                Map<String, String> c = BuiltInConfigs.forFamily(ModelFamily.SDXL, null);
                yield new BenchFamily("sdxl",
                        List.of(ClipTextConfig.from(json(c.get("text_encoder"))),
                                ClipTextConfig.from(json(c.get("text_encoder_2")))),
                        UNet2DConditionConfig.from(json(c.get("unet"))),
                        AutoencoderKLConfig.from(json(c.get("vae"))));
            }
            default -> throw new UsageException("--family must be sd15 or sdxl, got " + text);
        };
    }

    private static JsonObject json(String text) {
        return JsonParser.parseString(text).getAsJsonObject();
    }

    /** The layer SD conditions on: the last (SD 1.5) or the penultimate without the final norm (SDXL). */
    int clipSkip() {
        return unet.additionEmbedType() == null ? 0 : 1;
    }

    /**
     * SDXL's added conditions for a batch (pooled embeddings and the time ids of a square image), else null; float32,
     * as the pipeline passes them (the UNet converts them to its dtype).
     */
    AddedConditions added(NDManager m, int batch, int size) {
        if (unet.additionEmbedType() == null) {
            return null;
        }
        long pooled = textEncoders.get(textEncoders.size() - 1).projectionDim();
        NDArray text = m.randomNormal(new Shape(batch, pooled));
        float[] ids = {size, size, 0, 0, size, size};
        NDArray timeIds = m.create(ids).reshape(1, ids.length).repeat(0, batch);
        return new AddedConditions(text, timeIds);
    }
}
