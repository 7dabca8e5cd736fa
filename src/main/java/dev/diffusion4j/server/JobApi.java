package dev.diffusion4j.server;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.sse.SseClient;
import java.util.Base64;
import java.util.function.BiConsumer;

/**
 * The native job API: {@code POST /v1/jobs} answers at once with the job's id; {@code GET /v1/jobs/{id}} its state
 * (queued, running, done, failed, cancelled), progress and result URLs; {@code DELETE} cancels it, queued or running;
 * {@code /events} streams server-sent events ({@code progress}, {@code preview}, {@code done}); each image is
 * fetchable as a PNG. Also OpenAI's {@code POST /v1/images/generations}, and {@code GET /v1/info} for the web page.
 * Request bodies take A1111's txt2img / img2img fields.
 */
final class JobApi {

    private final D4jServer server;

    JobApi(D4jServer server) {
        this.server = server;
    }

    void register(Javalin app) {
        app.post("/v1/jobs", this::submit);
        app.get("/v1/jobs", ctx -> {
            JsonArray a = new JsonArray();
            server.queue().active().forEach(j -> a.add(JobJson.status(j)));
            D4jServer.json(ctx, a);
        });
        app.get("/v1/jobs/{id}", ctx -> D4jServer.json(ctx, JobJson.status(job(ctx))));
        app.delete("/v1/jobs/{id}", ctx -> {
            Job job = job(ctx);
            server.queue().cancel(job);
            D4jServer.json(ctx, JobJson.status(job));
        });
        app.get("/v1/jobs/{id}/images/{n}", this::image);
        app.before("/v1/jobs/{id}/events", ctx -> {
            // Javalin streams only to clients that ask for an event stream (EventSource always does)
            String accept = ctx.header("Accept");
            if (accept == null || !accept.contains("text/event-stream")) {
                throw new ApiException(406, "send 'Accept: text/event-stream' to receive this job's events");
            }
        });
        app.sse("/v1/jobs/{id}/events", this::events);
        app.post("/v1/images/generations", this::openAi);
        app.get("/v1/info", ctx -> D4jServer.json(ctx, info()));
    }

    private void submit(Context ctx) {
        Fields f = Fields.parse(ctx.body());
        boolean img2img = f.has("init_images");
        JobSpec spec = A1111Request.parse(f, img2img, server);
        Job job = server.queue().submit(new Job(spec.kind(), spec, new Generation()));
        JsonObject o = JobJson.status(job);
        o.addProperty("url", "/v1/jobs/" + job.id);
        o.addProperty("events", "/v1/jobs/" + job.id + "/events");
        ctx.status(202);
        D4jServer.json(ctx, o);
    }

    private Job job(Context ctx) {
        Job job = server.queue().find(ctx.pathParam("id"));
        if (job == null) {
            throw ApiException.notFound("no job '" + ctx.pathParam("id") + "' (finished jobs are kept for the last "
                    + JobQueue.HISTORY + ")");
        }
        return job;
    }

    private void image(Context ctx) {
        Job job = job(ctx);
        String n = ctx.pathParam("n").replaceFirst("\\.png$", "");
        JobResult r = job.result;
        if (r == null) {
            throw ApiException.notFound("job " + job.id + " has no images (" + job.state.json() + ")");
        }
        int i;
        try {
            i = Integer.parseInt(n);
        } catch (NumberFormatException e) {
            throw ApiException.notFound("no image '" + n + "'");
        }
        if (i < 0 || i >= r.pngs().size()) {
            throw ApiException.notFound("job " + job.id + " has " + r.pngs().size() + " images, no image " + i);
        }
        ctx.contentType("image/png").header("Cache-Control", "private, max-age=3600").result(r.pngs().get(i));
    }

    /** Streams the job's events until it finishes or the client leaves; a finished job sends "done" at once. */
    private void events(SseClient client) {
        Job job = server.queue().find(client.ctx().pathParam("id"));
        if (job == null) {
            client.sendEvent("error", "{\"detail\":\"no such job\"}");
            return;
        }
        BiConsumer<String, String> listener = (event, data) -> {
            synchronized (client) {
                if (client.terminated()) {
                    throw new IllegalStateException("client gone");
                }
                client.sendEvent(event, data);
                if (event.equals("done")) {
                    client.close();
                }
            }
        };
        client.keepAlive();
        synchronized (client) {
            client.onClose(() -> job.unsubscribe(listener));
            client.sendEvent("progress", JobJson.progress(job).toString());
            if (job.preview != null) {
                client.sendEvent("preview", JobJson.preview(job).toString());
            }
            job.subscribe(listener);
            // finished before we subscribed: its "done" went to others only
            if (job.state.finished() && !client.terminated()) {
                job.unsubscribe(listener);
                client.sendEvent("done", JobJson.status(job).toString());
                client.close();
            }
        }
    }

    /** OpenAI's images API (as sd.cpp serves it): {@code prompt}, {@code n}, {@code size} "WxH"; b64_json out. */
    private void openAi(Context ctx) throws Exception {
        Fields f = Fields.parse(ctx.body());
        JsonObject a1111 = new JsonObject();
        a1111.addProperty("prompt", f.string("prompt", ""));
        a1111.addProperty("batch_size", f.integer("n", 1, 1, server.config().limits().maxImages()));
        String size = f.string("size", null);
        if (size != null) {
            String[] wh = size.split("x");
            if (wh.length != 2 || !wh[0].matches("\\d{1,5}") || !wh[1].matches("\\d{1,5}")) {
                throw ApiException.invalid("field 'size' must be WIDTHxHEIGHT such as 512x512, got '" + size + "'");
            }
            a1111.addProperty("width", Integer.parseInt(wh[0]));
            a1111.addProperty("height", Integer.parseInt(wh[1]));
        }
        String format = f.string("response_format", "b64_json");
        if (!format.equals("b64_json")) {
            throw ApiException.invalid("response_format '" + format + "' is not served; use b64_json");
        }
        JobSpec spec = A1111Request.parse(new Fields(a1111), false, server);
        Job job = server.queue().submit(new Job("txt2img", spec, new Generation()));
        job.done.get();
        if (job.state != Job.State.DONE) {
            throw new ApiException(500, job.error == null ? "generation " + job.state.json() : job.error);
        }
        JsonArray data = new JsonArray();
        for (int i = 0; i < job.result.pngs().size(); i++) {
            JsonObject d = new JsonObject();
            d.addProperty("b64_json", Base64.getEncoder().encodeToString(job.result.pngs().get(i)));
            d.addProperty("revised_prompt", spec.first().prompts().get(0));
            data.add(d);
        }
        JsonObject out = new JsonObject();
        out.addProperty("created", System.currentTimeMillis() / 1000);
        out.add("data", data);
        D4jServer.json(ctx, out);
    }

    /** What the web page needs to know beyond the A1111 lists: the model's native size, limits, capabilities. */
    private JsonObject info() {
        JsonObject o = new JsonObject();
        o.addProperty("model", server.host().served().name());
        o.addProperty("native_size", server.host().spec().nativeSize());
        o.addProperty("size_step", server.host().spec().vaeScaleFactor());
        ServerConfig.Limits l = server.config().limits();
        JsonObject limits = new JsonObject();
        limits.addProperty("max_side", l.maxSide());
        limits.addProperty("max_pixels", l.maxPixels());
        limits.addProperty("max_steps", l.maxSteps());
        limits.addProperty("max_images", l.maxImages());
        o.add("limits", limits);
        JsonObject can = new JsonObject();
        can.addProperty("img2img", true);
        can.addProperty("inpainting", true);
        can.addProperty("lora", server.loras().dir() != null);
        can.addProperty("embeddings", server.embeddings().dir() != null);
        o.add("capabilities", can);
        o.addProperty("queue_capacity", server.config().queue());
        o.addProperty("waiting", server.queue().waitingCount());
        return o;
    }
}
