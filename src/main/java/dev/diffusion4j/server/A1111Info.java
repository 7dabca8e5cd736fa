package dev.diffusion4j.server;

import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import dev.diffusion4j.pipelines.GenerationRequest;

/** A1111's {@code info} of a txt2img / img2img response ({@code Processed.js()}), built from a finished job. */
final class A1111Info {

    private A1111Info() {}

    static JsonObject of(Job job) {
        JobSpec spec = job.spec;
        GenerationRequest r = spec.first();
        JobResult result = job.result;
        int images = result == null ? 0 : result.pngs().size();
        String prompt = r.prompts().get(0);
        String negative = r.negativePrompts().isEmpty() ? "" : r.negativePrompts().get(0);
        JsonObject o = new JsonObject();
        o.addProperty("prompt", prompt);
        o.add("all_prompts", repeat(prompt, images));
        o.addProperty("negative_prompt", negative);
        o.add("all_negative_prompts", repeat(negative, images));
        o.addProperty("seed", r.seed());
        JsonArray seeds = new JsonArray();
        JsonArray subseeds = new JsonArray();
        if (result != null) {
            result.seeds().forEach(seeds::add);
            result.seeds().forEach(s -> subseeds.add(-1));
        }
        o.add("all_seeds", seeds);
        o.addProperty("subseed", -1);
        o.add("all_subseeds", subseeds);
        o.addProperty("subseed_strength", 0);
        o.addProperty("width", r.width());
        o.addProperty("height", r.height());
        o.addProperty("sampler_name", result == null ? null : result.sampler());
        o.addProperty("cfg_scale", r.guidanceScale());
        o.addProperty("steps", r.steps());
        o.addProperty("batch_size", r.batchSize());
        o.addProperty("restore_faces", false);
        o.add("face_restoration_model", JsonNull.INSTANCE);
        o.addProperty("sd_model_name", result == null ? null : result.model());
        o.add("sd_model_hash", JsonNull.INSTANCE);
        o.add("sd_vae_name", JsonNull.INSTANCE);
        o.add("sd_vae_hash", JsonNull.INSTANCE);
        o.addProperty("seed_resize_from_w", -1);
        o.addProperty("seed_resize_from_h", -1);
        if (r.initImage() != null) {
            o.addProperty("denoising_strength", r.strength());
        } else {
            o.add("denoising_strength", JsonNull.INSTANCE);
        }
        o.add("extra_generation_params", new JsonObject());
        o.addProperty("index_of_first_image", 0);
        JsonArray infotexts = new JsonArray();
        if (result != null) result.infotexts().forEach(infotexts::add);
        o.add("infotexts", infotexts);
        o.add("styles", new JsonArray());
        o.addProperty("job_timestamp", job.timestamp);
        o.addProperty("clip_skip", r.clipSkip() + 1);
        o.addProperty("is_using_inpainting_conditioning", false);
        o.addProperty("version", "diffusion4j");
        o.addProperty("interrupted", job.interrupted);
        return o;
    }

    private static JsonArray repeat(String s, int n) {
        JsonArray a = new JsonArray();
        for (int i = 0; i < n; i++) a.add(s);
        return a;
    }
}
