package dev.diffusion4j.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.diffusion4j.io.ModelDirectory;
import dev.diffusion4j.io.SafeTensors;
import dev.diffusion4j.nn.WeightSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * {@code d4j convert}: an original single file to a diffusers folder and back. Tensors are copied exactly (float32,
 * or float16 with {@code half}); the single file written from a folder uses the original CompVis / A1111 layout, and
 * every key of it is checked by mapping it forward again ({@link SingleFileLayout}), so a round trip is exact. The
 * schedule buffers an original file may carry ({@code alphas_cumprod}, ...) are not weights and are not written.
 */
public final class Conversion {

    private static final List<String> PARTS = List.of("text_encoder", "unet", "vae");
    private static final String UNET = "model.diffusion_model.";
    private static final String VAE = "first_stage_model.";
    private static final String CLIP = "cond_stage_model.transformer.";

    private Conversion() {}

    /**
     * Writes the single file {@code spec} (from {@link ModelSpec#open(Path, Path, PredictionType)}) as a diffusers
     * folder {@code out}, with the configs of {@code configDir} or the built-in ones.
     */
    public static void toFolder(ModelSpec spec, Path configDir, Path out, boolean half) throws IOException {
        Files.createDirectories(out);
        DataType dtype = half ? DataType.FLOAT16 : DataType.FLOAT32;
        for (String part : PARTS) {
            Path dir = Files.createDirectories(out.resolve(part));
            String weights = part.equals("text_encoder") ? "model.safetensors" : "diffusion_pytorch_model.safetensors";
            spec.source().load(part, w -> write(w, dir.resolve(weights), dtype, Map.of()));
        }
        Map<String, String> configs = configDir != null ? folderConfigs(configDir)
                : BuiltInConfigs.forFamily(spec.family(),
                        spec.family() == ModelFamily.SD2 ? prediction(spec) : null);
        for (String part : List.of("unet", "vae", "text_encoder")) {
            Files.writeString(out.resolve(part).resolve("config.json"), configs.get(part));
        }
        JsonObject scheduler = JsonParser.parseString(configs.get("scheduler")).getAsJsonObject();
        scheduler.addProperty("prediction_type", prediction(spec).configValue());
        Files.createDirectories(out.resolve("scheduler"));
        Files.writeString(out.resolve("scheduler").resolve("scheduler_config.json"), scheduler.toString());
        Path tokenizer = Files.createDirectories(out.resolve("tokenizer"));
        try (Stream<Path> files = Files.list(spec.tokenizer())) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Files.copy(f, tokenizer.resolve(f.getFileName().toString()));
            }
        }
        if (spec.source().padToken() != null) {
            Files.writeString(tokenizer.resolve("special_tokens_map.json"), configs.get("tokenizer"));
            Files.deleteIfExists(tokenizer.resolve("tokenizer_config.json"));
        }
        String pipeline = spec.family() == ModelFamily.INPAINTING ? "StableDiffusionInpaintPipeline"
                : "StableDiffusionPipeline";
        Files.writeString(out.resolve("model_index.json"), configDir != null && Files.isRegularFile(
                configDir.resolve("model_index.json")) ? Files.readString(configDir.resolve("model_index.json"))
                : "{\"_class_name\": \"" + pipeline + "\", \"_diffusers_version\": \"0.25.1\"}\n");
    }

    /**
     * Writes the diffusers folder {@code dir} as one original-layout safetensors file. SD 1.x and inpainting models
     * only: SD 2.x's open_clip text encoder would have to be fused back, which is not written yet.
     */
    public static void toSingleFile(ModelDirectory dir, Path out, boolean half) throws IOException {
        ModelSpec spec = ModelSpec.open(dir);
        if (spec.family() != ModelFamily.SD1 && spec.family() != ModelFamily.INPAINTING) {
            throw new UnsupportedModelException(dir.name() + ": converting " + spec.family().displayName()
                    + " folders to a single file is not supported yet (only SD 1.x and inpainting)");
        }
        int[] layers = spec.unet().layersPerBlock();
        if (Arrays.stream(layers).distinct().count() != 1) {
            throw new UnsupportedModelException(dir.name() + ": the original layout needs the same layers_per_block "
                    + "on every level");
        }
        DataType dtype = half ? DataType.FLOAT16 : DataType.FLOAT32;
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            Map<String, long[]> shapes = new TreeMap<>();
            for (String part : PARTS) {
                spec.source().load(part, w -> {
                    Set<String> names = w.names();
                    for (String name : names) {
                        String key = original(part, name, layers[0], spec.vae().blockOutChannels().length, names);
                        if (key == null) {
                            throw new IllegalArgumentException(dir.name() + ": " + part + "/" + name
                                    + " has no place in the original layout");
                        }
                        NDArray a = w.load(name, m, dtype);
                        if (part.equals("vae") && key.contains(".mid.attn_1.") && !key.contains(".norm.")
                                && key.endsWith(".weight")) {
                            a = a.reshape(a.getShape().get(0), a.getShape().get(1), 1, 1); // 1x1 conv, as stored
                        }
                        tensors.put(key, a);
                        shapes.put(key, a.getShape().getShape());
                    }
                    return null;
                });
            }
            verify(dir.name(), shapes, spec.family());
            SafeTensors.write(out, tensors, Map.of("format", "pt"));
        }
    }

    private static String original(String part, String name, int layersPerBlock, int upLevels, Set<String> names) {
        return switch (part) {
            case "unet" -> {
                String k = OriginalKeys.unet(name, layersPerBlock, names);
                yield k == null ? null : UNET + k;
            }
            case "vae" -> {
                String k = OriginalKeys.vae(name, upLevels);
                yield k == null ? null : VAE + k;
            }
            default -> CLIP + name;
        };
    }

    /** Maps the written keys forward again: each must come back as exactly one diffusers key. */
    private static void verify(String name, Map<String, long[]> shapes, ModelFamily family) throws IOException {
        SingleFileMapping mapping = SingleFileLayout.map(shapes, family);
        if (!mapping.unexpected().isEmpty()) {
            throw new IOException(name + ": the written keys do not map back: " + mapping.unexpected());
        }
        long mapped = mapping.parts().values().stream().mapToLong(Map::size).sum();
        if (mapped + mapping.ignored().size() != shapes.size()) {
            throw new IOException(name + ": " + shapes.size() + " keys written, " + mapped + " map back");
        }
    }

    private static Void write(WeightSource w, Path file, DataType dtype, Map<String, String> metadata) {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            for (String name : new TreeSet<>(w.names())) {
                tensors.put(name, w.load(name, m, dtype));
            }
            SafeTensors.write(file, tensors, metadata);
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static PredictionType prediction(ModelSpec spec) {
        return spec.scheduler().get("prediction_type").equals("v_prediction") ? PredictionType.V_PREDICTION
                : PredictionType.EPSILON;
    }

    private static Map<String, String> folderConfigs(Path dir) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        for (String part : List.of("unet", "vae", "text_encoder")) {
            out.put(part, Files.readString(dir.resolve(part).resolve("config.json")));
        }
        out.put("scheduler", Files.readString(dir.resolve("scheduler").resolve("scheduler_config.json")));
        return out;
    }
}
