package dev.diffusion4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import dev.diffusion4j.io.Json;
import dev.diffusion4j.io.SafeTensors;
import dev.diffusion4j.schedulers.SchedulerConfig;
import dev.diffusion4j.text.ClipTextConfig;
import dev.diffusion4j.unet.UNet2DConditionConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Writes a trained model as a diffusers pipeline folder ({@code model_index.json}, {@code unet/},
 * {@code text_encoder/}, {@code tokenizer/}, {@code vae/}, {@code scheduler/}) that the normal loader runs unchanged.
 * The folder is assembled beside the target and swapped in, so readers never see half a model.
 */
public final class ModelExport {

    private ModelExport() {}

    public static void write(Path dir, UNet2DConditionConfig unetConfig, Map<String, NDArray> unet,
                             ClipTextConfig textConfig, Map<String, NDArray> textEncoder, Path tokenizerDir,
                             Path vaeDir, SchedulerConfig scheduler, DataType storeType) throws IOException {
        Path tmp = dir.resolveSibling("." + dir.getFileName() + ".tmp");
        deleteTree(tmp);
        Files.createDirectories(tmp.resolve("unet"));
        Files.createDirectories(tmp.resolve("text_encoder"));
        Files.createDirectories(tmp.resolve("scheduler"));
        Json.write(tmp.resolve("unet/config.json"), unetConfig.toJson());
        writeWeights(tmp.resolve("unet/diffusion_pytorch_model.safetensors"), unet, storeType);
        Json.write(tmp.resolve("text_encoder/config.json"), textConfig.toJson());
        writeWeights(tmp.resolve("text_encoder/model.safetensors"), textEncoder, storeType);
        copyTree(tokenizerDir, tmp.resolve("tokenizer"));
        copyTree(vaeDir, tmp.resolve("vae"));
        JsonObject sched = new JsonObject();
        sched.addProperty("_class_name", scheduler.className());
        sched.addProperty("_diffusers_version", "0.25.1");
        // integral numbers as integers: diffusers passes num_train_timesteps to torch.linspace, which refuses 1000.0
        scheduler.values().forEach((k, v) -> sched.add(k, v instanceof Number n && n.doubleValue() == Math.rint(
                n.doubleValue()) && !Double.isInfinite(n.doubleValue())
                ? new JsonPrimitive(n.longValue()) : new Gson().toJsonTree(v)));
        Json.write(tmp.resolve("scheduler/scheduler_config.json"), sched);
        Json.write(tmp.resolve("model_index.json"), modelIndex(scheduler.className()));
        Path old = dir.resolveSibling("." + dir.getFileName() + ".old");
        deleteTree(old);
        if (Files.exists(dir)) {
            Files.move(dir, old);
        }
        Files.move(tmp, dir);
        deleteTree(old);
    }

    /** Weights as {@code storeType} (fp16 halves the shipped size; the loader widens them back to fp32). */
    private static void writeWeights(Path file, Map<String, NDArray> weights, DataType storeType) throws IOException {
        Map<String, NDArray> out = new LinkedHashMap<>();
        weights.forEach((k, v) -> out.put(k, v.getDataType() == storeType ? v : v.toType(storeType, true)));
        try {
            SafeTensors.write(file, out, Map.of("format", "pt"));
        } finally {
            out.forEach((k, v) -> {
                if (v != weights.get(k)) {
                    v.close();
                }
            });
        }
    }

    private static JsonObject modelIndex(String schedulerClass) {
        JsonObject o = new JsonObject();
        o.addProperty("_class_name", "StableDiffusionPipeline");
        o.addProperty("_diffusers_version", "0.25.1");
        o.add("scheduler", pair("diffusers", schedulerClass));
        o.add("text_encoder", pair("transformers", "CLIPTextModel"));
        o.add("tokenizer", pair("transformers", "CLIPTokenizer"));
        o.add("unet", pair("diffusers", "UNet2DConditionModel"));
        o.add("vae", pair("diffusers", "AutoencoderKL"));
        o.addProperty("requires_safety_checker", false);
        return o;
    }

    private static JsonArray pair(String library, String cls) {
        JsonArray a = new JsonArray();
        a.add(library);
        a.add(cls);
        return a;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        if (!Files.isDirectory(from)) {
            throw new IOException("folder not found: " + from);
        }
        Files.createDirectories(to);
        try (Stream<Path> s = Files.list(from)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (Files.isRegularFile(p)) {
                    Files.copy(p, to.resolve(p.getFileName().toString()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(q);
            }
        }
    }
}
