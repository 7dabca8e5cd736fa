package dev.diffusion4j.server;

import com.google.gson.JsonObject;
import dev.diffusion4j.io.Png;
import dev.diffusion4j.models.ModelSpec;
import dev.diffusion4j.pipelines.GenerationRequest;
import dev.diffusion4j.schedulers.Samplers;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * A1111's {@code StableDiffusionTxt2ImgProcessingAPI} / {@code Img2ImgProcessingAPI} body, read into a validated
 * {@link JobSpec}. Fields diffusion4j does not implement (hires fix, restore faces, styles, scripts, {@code eta},
 * subseeds, {@code alwayson_scripts}, ...) are accepted and ignored. Without {@code sampler_name} the model's own
 * scheduler runs and without a size the model's native one, as {@code d4j generate} does.
 *
 * <p>Inpainting is img2img with a {@code mask} (white = repaint; {@code inpainting_mask_invert} reverses it), run as
 * diffusers' inpainting pipeline runs it: the mask binarised over the whole image, the result not pasted back. A1111's
 * {@code mask_blur}, {@code inpainting_fill}, {@code inpaint_full_res} and {@code inpaint_full_res_padding} are
 * accepted and ignored. {@code <lora:NAME:W>} tags name LoRAs of {@code --lora-dir} listed by
 * {@code GET /sdapi/v1/loras}; embeddings are read from {@code --embeddings-dir}.
 */
final class A1111Request {

    private A1111Request() {}

    static JobSpec parse(Fields f, boolean img2img, D4jServer server) {
        ModelSpec model = server.host().spec();
        ServerConfig.Limits limits = server.config().limits();
        String prompt = f.string("prompt", "");
        String negative = f.string("negative_prompt", "");
        server.loras().check(prompt);
        server.loras().check(negative);
        String sampler = f.string("sampler_name", null);
        if (sampler == null || sampler.isBlank()) {
            sampler = f.string("sampler_index", null);
        }
        if (sampler != null && sampler.isBlank()) {
            sampler = null;
        }
        String schedule = schedule(f.string("scheduler", null));
        if (sampler != null) {
            try {
                Samplers.parse(sampler, schedule, null);
            } catch (IllegalArgumentException e) {
                throw ApiException.notFound(e.getMessage());
            }
        } else if (schedule != null && schedule.equals("karras")) {
            throw ApiException.invalid("scheduler 'Karras' needs a sampler_name: give one of "
                    + String.join(", ", Samplers.names()));
        }
        int steps = f.integer("steps", 20, 1, limits.maxSteps());
        int batch = f.integer("batch_size", 1, 1, limits.maxImages());
        int iterations = f.integer("n_iter", 1, 1, limits.maxImages());
        if (batch * iterations > limits.maxImages()) {
            throw ApiException.invalid("n_iter × batch_size = " + batch * iterations + " images exceeds the limit of "
                    + limits.maxImages() + " per request");
        }
        long seed = f.integer("seed", -1L);
        if (seed < -1 || seed > 0xFFFF_FFFFL) {
            throw ApiException.invalid("field 'seed' must be -1 (random) or in [0, 4294967295], got " + seed);
        }
        if (seed == -1) {
            seed = new SecureRandom().nextInt() & 0xFFFF_FFFFL;
        }
        BufferedImage init = null;
        BufferedImage mask = null;
        double strength = f.decimal("denoising_strength", 0.75);
        if (img2img) {
            List<String> images = f.strings("init_images");
            if (images.isEmpty()) {
                throw ApiException.invalid("img2img needs 'init_images': a list with one base64 image");
            }
            init = image("init_images", images.get(0), limits.maxSide());
            if (f.has("mask") && !f.string("mask", "").isBlank()) {
                mask = image("mask", f.string("mask", ""), limits.maxSide());
                if (f.integer("inpainting_mask_invert", 0, 0, 1) == 1) {
                    mask = invert(mask);
                }
            }
            if (!(strength > 0 && strength <= 1)) {
                throw ApiException.invalid("field 'denoising_strength' must be in (0, 1], got " + strength);
            }
        }
        int width = f.integer("width", 0, 0, limits.maxSide());
        int height = f.integer("height", 0, 0, limits.maxSide());
        int w = width > 0 ? width : init != null ? init.getWidth() : model.nativeSize();
        int h = height > 0 ? height : init != null ? init.getHeight() : model.nativeSize();
        int factor = model.vaeScaleFactor();
        if (w % factor != 0 || h % factor != 0 || w == 0 || h == 0) {
            throw ApiException.invalid("size " + w + "x" + h + " must be positive multiples of " + factor);
        }
        if (w > limits.maxSide() || h > limits.maxSide()) {
            throw ApiException.invalid("size " + w + "x" + h + " exceeds the limit of " + limits.maxSide() + " pixels per side");
        }
        if ((long) w * h * batch > limits.maxPixels()) {
            throw ApiException.invalid("width × height × batch_size = " + (long) w * h * batch + " pixels exceeds the "
                    + "limit of " + limits.maxPixels());
        }
        JsonObject overrides = f.object("override_settings");
        Fields o = new Fields(overrides);
        int clipSkip = o.integer("CLIP_stop_at_last_layers", 1, 1, 12) - 1;
        GenerationRequest.Builder b = GenerationRequest.builder(prompt).negativePrompt(negative).size(w, h)
                .steps(steps).guidanceScale(f.decimal("cfg_scale", 7.5)).sampler(sampler).schedule(schedule)
                .seed(seed).imagesPerPrompt(batch).clipSkip(clipSkip);
        if (init != null) {
            b.initImage(init, strength);
        }
        if (mask == null && model.unet().inChannels() != 4) {
            throw ApiException.invalid(model.name() + " is an inpainting model: send img2img with 'init_images' and "
                    + "'mask'");
        }
        b.mask(mask).loraDir(server.loras().dir()).embeddingsDir(server.embeddings().dir());
        GenerationRequest first;
        try {
            first = b.build();
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid(e.getMessage());
        }
        JsonObject echo = f.json().deepCopy();
        if (!f.bool("include_init_images", false)) {
            echo.remove("init_images");
            echo.remove("mask");
        }
        echo.addProperty("prompt", prompt);
        echo.addProperty("negative_prompt", negative);
        echo.addProperty("seed", seed);
        echo.addProperty("steps", steps);
        echo.addProperty("width", w);
        echo.addProperty("height", h);
        echo.addProperty("batch_size", batch);
        echo.addProperty("n_iter", iterations);
        echo.addProperty("cfg_scale", first.guidanceScale());
        return new JobSpec(img2img ? "img2img" : "txt2img", b, first, iterations, echo);
    }

    /**
     * A1111's {@code scheduler} field to diffusion4j's sigma schedule: "Automatic" is the sampler's own, "Karras"
     * Karras sigmas, "Uniform" the discrete one; the others A1111 offers are not implemented (422).
     */
    static String schedule(String scheduler) {
        if (scheduler == null) return null;
        String s = scheduler.toLowerCase(Locale.ROOT).trim();
        return switch (s) {
            case "", "automatic" -> null;
            case "karras" -> "karras";
            case "uniform", "discrete" -> "discrete";
            default -> throw ApiException.invalid("scheduler '" + scheduler + "' is not implemented; valid: "
                    + "Automatic, Uniform, Karras");
        };
    }

    /** A base64 image, with or without a {@code data:image/...;base64,} prefix. URLs are not fetched. */
    static BufferedImage image(String field, String encoded, int maxSide) {
        byte[] bytes = bytes(field, encoded);
        checkDimensions(field, bytes, maxSide);
        try {
            return Png.read(bytes);
        } catch (IOException e) {
            throw ApiException.invalid("field '" + field + "': " + e.getMessage());
        }
    }

    /** Reads only the header: a small file may declare a huge image, which decoding would allocate in full. */
    private static void checkDimensions(String field, byte[] bytes, int maxSide) {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw ApiException.invalid("field '" + field + "': not a readable image (PNG, JPEG, BMP or GIF)");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in);
                int w = reader.getWidth(0);
                int h = reader.getHeight(0);
                if (w > maxSide || h > maxSide) {
                    throw ApiException.invalid("field '" + field + "': the image is " + w + "x" + h
                            + ", over the limit of " + maxSide + " pixels per side");
                }
            } finally {
                reader.dispose();
            }
        } catch (IOException e) {
            throw ApiException.invalid("field '" + field + "': not a readable image (" + e.getMessage() + ")");
        }
    }

    static byte[] bytes(String field, String encoded) {
        String s = encoded.trim();
        if (s.startsWith("http://") || s.startsWith("https://")) {
            throw ApiException.invalid("field '" + field + "': image URLs are not fetched; send base64 data");
        }
        if (s.startsWith("data:")) {
            int comma = s.indexOf(',');
            s = comma < 0 ? "" : s.substring(comma + 1);
        }
        try {
            return Base64.getDecoder().decode(s.replaceAll("\\s", ""));
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("field '" + field + "' is not valid base64");
        }
    }

    /**
     * A1111's {@code inpainting_mask_invert}: every sample reversed (a grey mask's samples as stored, which
     * {@code getRGB} would re-encode), so the repainted area is the one the mask left black.
     */
    private static BufferedImage invert(BufferedImage mask) {
        WritableRaster in = mask.getRaster();
        if (in.getNumBands() == 1 && !(mask.getColorModel() instanceof IndexColorModel)) {
            BufferedImage out = new BufferedImage(mask.getColorModel(), in.createCompatibleWritableRaster(), false, null);
            int max = (1 << mask.getColorModel().getComponentSize(0)) - 1;
            for (int y = 0; y < mask.getHeight(); y++) {
                for (int x = 0; x < mask.getWidth(); x++) {
                    out.getRaster().setSample(x, y, 0, max - in.getSample(x, y, 0));
                }
            }
            return out;
        }
        BufferedImage out = new BufferedImage(mask.getWidth(), mask.getHeight(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < mask.getHeight(); y++) {
            for (int x = 0; x < mask.getWidth(); x++) {
                out.setRGB(x, y, ~mask.getRGB(x, y) & 0xFFFFFF);
            }
        }
        return out;
    }
}
