package dev.diffusion4j.server;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.Base64;

/** The native job API's JSON: a job's status, and the progress / preview events it streams. */
final class JobJson {

    private JobJson() {}

    static JsonObject status(Job job) {
        JsonObject o = progress(job);
        o.addProperty("id", job.id);
        o.addProperty("kind", job.kind);
        o.addProperty("state", job.state.json());
        if (job.error != null) {
            o.addProperty("error", job.error);
        }
        JobResult r = job.result;
        if (r != null && job.state == Job.State.DONE) {
            JsonArray images = new JsonArray();
            for (int i = 0; i < r.pngs().size(); i++) {
                JsonObject img = new JsonObject();
                img.addProperty("url", "/v1/jobs/" + job.id + "/images/" + i + ".png");
                img.addProperty("seed", r.seeds().get(i));
                img.addProperty("infotext", r.infotexts().get(i));
                images.add(img);
            }
            o.add("images", images);
            o.addProperty("partial", r.partial());
            o.addProperty("model", r.model());
            o.addProperty("sampler", r.sampler());
        }
        return o;
    }

    static JsonObject progress(Job job) {
        JsonObject o = new JsonObject();
        o.addProperty("id", job.id);
        o.addProperty("state", job.state.json());
        o.addProperty("progress", job.progress());
        o.addProperty("eta", job.etaSeconds());
        o.addProperty("step", job.step);
        o.addProperty("steps", job.steps);
        o.addProperty("iteration", job.iteration);
        o.addProperty("iterations", job.iterations());
        return o;
    }

    static JsonObject preview(Job job) {
        JsonObject o = new JsonObject();
        o.addProperty("step", job.previewStep);
        byte[] p = job.preview;
        o.addProperty("image", p == null ? null : "data:image/png;base64," + Base64.getEncoder().encodeToString(p));
        return o;
    }
}
