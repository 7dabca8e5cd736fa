package dev.diffusion4j.models;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.diffusion4j.io.ModelDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** {@link ModelSpec#open(Path, Path, PredictionType)}: identifying an original single file before loading it. */
final class SingleFileSpec {

    private SingleFileSpec() {}

    static ModelSpec open(Path file, Path configDir, PredictionType prediction) throws IOException {
        Map<String, long[]> shapes;
        try (SingleFile f = SingleFile.open(file)) {
            shapes = f.shapes();
        }
        FamilyDetection detected = FamilyDetection.detect(shapes);
        if (detected.refused()) {
            throw new UnsupportedModelException(file + ": " + detected.reason());
        }
        ModelFamily family = detected.family();
        // The one place a recognised but unsupported single file (SDXL, its refiner) is refused.
        if (!family.supported()) {
            throw new UnsupportedModelException(file + ": " + family.displayName() + " is not supported yet ("
                    + detected.reason() + ")");
        }
        if (configDir == null && family == ModelFamily.INPAINTING && detected.needsPredictionType()) {
            throw new UnsupportedModelException(file + ": an SD 2.x inpainting file has no built-in config: "
                    + "pass --config DIR with the diffusers folder of its architecture");
        }
        if (configDir == null && family == ModelFamily.SD2 && prediction == null) {
            throw new IllegalArgumentException(file + ": a Stable Diffusion 2.x file: pass --prediction-type "
                    + "v_prediction (the 768-v models) or epsilon (the 512-base models); the two have the same "
                    + "keys and shapes");
        }
        SingleFileMapping mapping;
        try {
            mapping = SingleFileLayout.map(shapes, family);
            mapping.requireNoUnexpected(file.toString());
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
        String name = stem(file);
        Configs configs;
        Path tokenizer;
        String pad = null;
        if (configDir != null) {
            ModelDirectory dir = ModelDirectory.open(configDir, configDir.toString());
            configs = Configs.read(dir);
            tokenizer = Files.isDirectory(configDir.resolve("tokenizer")) ? configDir.resolve("tokenizer") : null;
        } else {
            Map<String, String> json = BuiltInConfigs.forFamily(family, family == ModelFamily.SD2 ? prediction : null);
            configs = Configs.builtIn(name, json);
            tokenizer = null;
            pad = padToken(json.get("tokenizer"));
        }
        if (tokenizer == null) {
            tokenizer = Installation.clipTokenizer();
            if (pad == null && detected.needsPredictionType()) {
                pad = "!"; // open_clip's padding, as the SD 2.x tokenizer configs give it
            }
            if (!Files.isRegularFile(tokenizer.resolve("vocab.json"))) {
                throw new IOException(file + ": the built-in CLIP tokenizer is missing (" + tokenizer
                        + "): pass --config DIR with a tokenizer/ folder, or set -Dd4j.home");
            }
        }
        if (prediction != null) {
            configs = configs.withPrediction(prediction);
        }
        if (configs.unet().inChannels() != (family == ModelFamily.INPAINTING ? 9 : 4)) {
            throw new IOException(file + ": the file's UNet is " + family.displayName() + " but the config's has "
                    + configs.unet().inChannels() + " input channels");
        }
        return new ModelSpec(name, family, new SingleFileSource(file, mapping, tokenizer, pad), configs.unet(),
                configs.vae(), configs.textEncoder(), configs.scheduler());
    }

    /** The file name without its extension, as A1111's infotext names a checkpoint. */
    private static String stem(Path file) {
        String n = file.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }

    /** {@code pad_token} of a special_tokens_map.json: a string or an AddedToken object. */
    private static String padToken(String specialTokensMap) {
        JsonObject o = JsonParser.parseString(specialTokensMap).getAsJsonObject();
        JsonElement pad = o.get("pad_token");
        return pad.isJsonObject() ? pad.getAsJsonObject().get("content").getAsString() : pad.getAsString();
    }
}
