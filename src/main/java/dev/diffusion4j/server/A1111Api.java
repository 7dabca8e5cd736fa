package dev.diffusion4j.server;

import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import dev.diffusion4j.io.Png;
import dev.diffusion4j.schedulers.SamplerSpec;
import dev.diffusion4j.schedulers.Samplers;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.Base64;
import java.util.Map;

/**
 * AUTOMATIC1111's {@code /sdapi/v1} endpoints, with A1111's field names and response shapes, so that clients written
 * for it (SillyTavern, Open WebUI, scripts) work unmodified. txt2img and img2img wait for their job like A1111's;
 * they queue behind others and are refused with 429 when the queue is full.
 */
final class A1111Api {

    private final D4jServer server;

    A1111Api(D4jServer server) {
        this.server = server;
    }

    void register(Javalin app) {
        app.post("/sdapi/v1/txt2img", ctx -> generate(ctx, false));
        app.post("/sdapi/v1/img2img", ctx -> generate(ctx, true));
        app.get("/sdapi/v1/progress", this::progress);
        app.post("/sdapi/v1/interrupt", ctx -> {
            server.queue().interrupt();
            D4jServer.json(ctx, new JsonObject());
        });
        app.post("/sdapi/v1/skip", ctx -> {
            server.queue().skip();
            D4jServer.json(ctx, JsonNull.INSTANCE);
        });
        app.get("/sdapi/v1/samplers", ctx -> D4jServer.json(ctx, samplers()));
        app.get("/sdapi/v1/schedulers", ctx -> D4jServer.json(ctx, schedulers()));
        app.get("/sdapi/v1/sd-models", ctx -> D4jServer.json(ctx, models()));
        app.post("/sdapi/v1/refresh-checkpoints", ctx -> {
            server.catalog().refresh();
            D4jServer.json(ctx, JsonNull.INSTANCE);
        });
        app.get("/sdapi/v1/options", ctx -> D4jServer.json(ctx, options()));
        app.post("/sdapi/v1/options", this::setOptions);
        app.get("/sdapi/v1/loras", ctx -> D4jServer.json(ctx, server.loras().list()));
        app.post("/sdapi/v1/refresh-loras", ctx -> {
            server.loras().refresh();
            D4jServer.json(ctx, JsonNull.INSTANCE);
        });
        app.get("/sdapi/v1/embeddings", ctx -> D4jServer.json(ctx, server.embeddings().list(server.host().spec())));
        app.post("/sdapi/v1/refresh-embeddings", ctx -> {
            server.embeddings().refresh();
            D4jServer.json(ctx, JsonNull.INSTANCE);
        });
        app.post("/sdapi/v1/png-info", this::pngInfo);
        app.get("/sdapi/v1/memory", ctx -> D4jServer.json(ctx, Memory.report()));
    }

    private void generate(Context ctx, boolean img2img) throws Exception {
        Fields f = Fields.parse(ctx.body());
        JobSpec spec = A1111Request.parse(f, img2img, server);
        Job job = server.queue().submit(new Job(spec.kind(), spec, new Generation()));
        job.done.get();
        if (job.state == Job.State.FAILED) {
            throw new ApiException(500, job.error);
        }
        JsonObject out = new JsonObject();
        JsonArray images = new JsonArray();
        JobResult r = job.result;
        if (r != null && f.bool("send_images", true)) {
            for (byte[] png : r.pngs()) {
                images.add(Base64.getEncoder().encodeToString(png));
            }
        }
        out.add("images", images);
        out.add("parameters", spec.parameters());
        out.addProperty("info", A1111Info.of(job).toString());
        D4jServer.json(ctx, out);
    }

    private void progress(Context ctx) {
        boolean skipImage = Boolean.parseBoolean(ctx.queryParam("skip_current_image"));
        Job job = server.queue().running();
        JsonObject out = new JsonObject();
        JsonObject state = new JsonObject();
        state.addProperty("skipped", job != null && job.skipped);
        state.addProperty("interrupted", job != null && job.interrupted);
        state.addProperty("stopping_generation", false);
        state.addProperty("job", job == null ? "" : "scripts_" + job.kind);
        state.addProperty("job_count", job == null ? 0 : job.iterations());
        state.addProperty("job_timestamp", job == null ? "0" : job.timestamp);
        state.addProperty("job_no", job == null ? 0 : job.iteration);
        state.addProperty("sampling_step", job == null ? 0 : job.step);
        state.addProperty("sampling_steps", job == null ? 0 : job.steps);
        out.addProperty("progress", job == null ? 0 : job.progress());
        out.addProperty("eta_relative", job == null ? 0 : job.etaSeconds());
        out.add("state", state);
        String image = null;
        if (job != null && !skipImage) {
            job.wantPreviews();
            byte[] p = job.preview;
            image = p == null ? null : Base64.getEncoder().encodeToString(p);
        }
        out.addProperty("current_image", image);
        out.addProperty("textinfo", job == null ? null
                : "Step " + job.step + "/" + job.steps + ", " + server.queue().waitingCount() + " waiting");
        D4jServer.json(ctx, out);
    }

    private static JsonArray samplers() {
        JsonArray out = new JsonArray();
        for (SamplerSpec s : Samplers.samplers()) {
            JsonObject o = new JsonObject();
            o.addProperty("name", s.displayName());
            JsonArray aliases = new JsonArray();
            aliases.add(s.name());
            s.aliases().forEach(aliases::add);
            o.add("aliases", aliases);
            o.add("options", new JsonObject());
            out.add(o);
        }
        return out;
    }

    private static JsonArray schedulers() {
        JsonArray out = new JsonArray();
        for (String[] s : new String[][] {{"automatic", "Automatic", "-1"}, {"uniform", "Uniform", "-1"},
                {"karras", "Karras", "7"}}) {
            JsonObject o = new JsonObject();
            o.addProperty("name", s[0]);
            o.addProperty("label", s[1]);
            o.add("aliases", JsonNull.INSTANCE);
            o.addProperty("default_rho", Double.parseDouble(s[2]));
            o.addProperty("need_inner_model", false);
            out.add(o);
        }
        return out;
    }

    private JsonArray models() {
        JsonArray out = new JsonArray();
        ModelCatalog catalog = server.catalog();
        for (ServedModel m : catalog.list()) {
            String sha256 = catalog.sha256(m);
            JsonObject o = new JsonObject();
            o.addProperty("title", catalog.title(m));
            o.addProperty("model_name", m.file() == null ? m.name() : ModelCatalog.stem(m.name()));
            o.addProperty("hash", FileHashes.shortHash(sha256));
            o.addProperty("sha256", sha256);
            o.addProperty("filename", m.path().toString());
            o.add("config", JsonNull.INSTANCE);
            out.add(o);
        }
        return out;
    }

    private JsonObject options() {
        JsonObject o = new JsonObject();
        ServedModel current = server.host().served();
        o.addProperty("sd_model_checkpoint", server.catalog().title(current));
        o.addProperty("sd_checkpoint_hash", server.catalog().sha256(current));
        o.addProperty("CLIP_stop_at_last_layers", 1);
        o.addProperty("samples_format", "png");
        o.addProperty("sd_vae", "Automatic");
        o.addProperty("live_previews_enable", true);
        return o;
    }

    /**
     * Sets options; {@code sd_model_checkpoint} switches the model (freeing the current one), queued behind the jobs
     * already accepted, and answers when the new model is loaded. Other keys are accepted and ignored.
     */
    private void setOptions(Context ctx) throws Exception {
        Fields f = Fields.parse(ctx.body());
        String checkpoint = f.string("sd_model_checkpoint", null);
        if (checkpoint != null) {
            ServedModel target = server.catalog().find(checkpoint);
            try {
                target.open(); // reads configs or a header only: a file the server cannot run is refused here
            } catch (IllegalArgumentException | IOException e) {
                throw ApiException.invalid("cannot load '" + checkpoint + "': " + D4jServer.message(e));
            }
            Job job = server.queue().submit(new Job("switch", null, (j, host) -> host.switchTo(target)));
            job.done.get();
            if (job.state == Job.State.FAILED) {
                throw new ApiException(500, "could not load '" + checkpoint + "': " + job.error);
            }
        }
        D4jServer.json(ctx, JsonNull.INSTANCE);
    }

    private void pngInfo(Context ctx) {
        Fields f = Fields.parse(ctx.body());
        String image = f.string("image", "");
        if (image.isBlank()) {
            throw ApiException.invalid("field 'image' (base64 PNG) is required");
        }
        byte[] bytes = A1111Request.bytes("image", image);
        Map<String, String> text;
        try {
            text = Png.readText(bytes);
            if (text.isEmpty()) {
                Png.read(bytes); // an image without parameters answers empty info, anything else is refused
            }
        } catch (IOException | RuntimeException e) {
            throw ApiException.invalid("field 'image' is not a readable image");
        }
        String info = text.getOrDefault("parameters", "");
        JsonObject items = new JsonObject();
        text.forEach((k, v) -> {
            if (!k.equals("parameters")) items.addProperty(k, v);
        });
        JsonObject out = new JsonObject();
        out.addProperty("info", info);
        out.add("items", items);
        out.add("parameters", info.isEmpty() ? new JsonObject() : InfotextFields.parse(info));
        D4jServer.json(ctx, out);
    }
}
