package dev.diffusion4j.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.diffusion4j.cli.D4j;
import dev.diffusion4j.io.ModelDirectory;
import dev.diffusion4j.io.Png;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code d4j serve}'s API on an ephemeral loopback port with the built-in model: every A1111 endpoint, the job API,
 * the queue's limits and the stop requests, and the refusals (400/401/404/413/422/429) after each of which the
 * server still answers.
 */
class ServerApiTest {

    static final String AUTH = "user:secret";
    static final Path BUILT_IN = Path.of("models", "d4j-shapes");

    @TempDir
    static Path tmp;

    static D4jServer server;
    static Http http;

    @BeforeAll
    static void start() throws Exception {
        Path models = Files.createDirectories(tmp.resolve("models"));
        Files.createSymbolicLink(models.resolve("shapes-copy"), BUILT_IN.toAbsolutePath());
        ServerConfig config = new ServerConfig("127.0.0.1", 0, models, 2, AUTH, List.of(),
                new ServerConfig.Limits(256L * 256, 512, 300, 8, 1 << 20));
        server = D4jServer.start(config, ModelDirectory.open(BUILT_IN, "d4j-shapes"), null);
        http = new Http(server.port(), AUTH);
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    static JsonObject txt2img(String prompt, long seed, int steps) {
        JsonObject b = new JsonObject();
        b.addProperty("prompt", prompt);
        b.addProperty("seed", seed);
        b.addProperty("steps", steps);
        return b;
    }

    static void assertAlive() {
        assertEquals(200, http.get("/sdapi/v1/options").status(), "the server answers after a bad request");
    }

    static void assertRefused(Http.Response r, int status, String fragment) {
        assertEquals(status, r.status(), r.body());
        JsonObject o = r.json();
        assertTrue(o.get("detail").getAsString().contains(fragment), o.toString());
        assertFalse(r.body().contains("\tat "), "no stack trace");
        assertAlive();
    }

    @Test
    void txt2imgPixelsEqualTheCli() throws Exception {
        JsonObject b = txt2img("two green triangles", 42, 6);
        b.addProperty("negative_prompt", "blue");
        b.addProperty("sampler_name", "Euler a");
        b.addProperty("cfg_scale", 6.5);
        b.addProperty("hr_scale", 2);           // fields A1111 clients send that we do not implement: ignored
        b.addProperty("restore_faces", false);
        b.add("alwayson_scripts", new JsonObject());
        b.addProperty("scheduler", "Automatic");
        // the CLI first: it picks the engine's thread count for the model, which the server (d4j serve) also does
        Path cli = tmp.resolve("cli.png");
        assertEquals(0, D4j.execute("generate", "-p", "two green triangles", "-n", "blue", "--sampler", "Euler a",
                "--cfg-scale", "6.5", "--steps", "6", "--seed", "42", "-o", cli.toString()));
        Http.Response r = http.post("/sdapi/v1/txt2img", b);
        assertEquals(200, r.status(), r.body());
        JsonObject o = r.json();
        JsonArray images = o.getAsJsonArray("images");
        assertEquals(1, images.size());
        byte[] png = Base64.getDecoder().decode(images.get(0).getAsString());
        JsonObject info = JsonParser.parseString(o.get("info").getAsString()).getAsJsonObject();
        assertEquals(42, info.get("seed").getAsLong());
        assertEquals(42, info.getAsJsonArray("all_seeds").get(0).getAsLong());
        assertEquals("Euler a", info.get("sampler_name").getAsString());
        assertEquals(64, info.get("width").getAsInt());
        assertEquals("two green triangles", o.getAsJsonObject("parameters").get("prompt").getAsString());

        Path served = tmp.resolve("served.png");
        Files.write(served, png);
        assertArrayEquals(Png.toRgb(Png.read(cli)), Png.toRgb(Png.read(served)), "same pixels as d4j generate");
        String parameters = Png.readText(served).get("parameters");
        assertEquals(Png.readText(cli).get("parameters"), parameters);
        assertEquals(parameters, info.getAsJsonArray("infotexts").get(0).getAsString());

        JsonObject pngInfo = new JsonObject();
        pngInfo.addProperty("image", "data:image/png;base64," + images.get(0).getAsString());
        JsonObject read = http.post("/sdapi/v1/png-info", pngInfo).json();
        assertEquals(parameters, read.get("info").getAsString());
        JsonObject params = read.getAsJsonObject("parameters");
        assertEquals("two green triangles", params.get("Prompt").getAsString());
        assertEquals("blue", params.get("Negative prompt").getAsString());
        assertEquals("42", params.get("Seed").getAsString());
        assertEquals("64", params.get("Size-1").getAsString());
    }

    @Test
    void batchesAndIterationsAdvanceTheSeedAsA1111() {
        JsonObject b = txt2img("a red circle", 7, 2);
        b.addProperty("batch_size", 2);
        b.addProperty("n_iter", 2);
        JsonObject o = http.post("/sdapi/v1/txt2img", b).json();
        assertEquals(4, o.getAsJsonArray("images").size());
        JsonObject info = JsonParser.parseString(o.get("info").getAsString()).getAsJsonObject();
        List<Long> seeds = new ArrayList<>();
        info.getAsJsonArray("all_seeds").forEach(e -> seeds.add(e.getAsLong()));
        assertEquals(List.of(7L, 7L, 9L, 9L), seeds);

        JsonObject random = txt2img("a red circle", -1, 1);
        JsonObject r = JsonParser.parseString(http.post("/sdapi/v1/txt2img", random).json()
                .get("info").getAsString()).getAsJsonObject();
        assertTrue(r.get("seed").getAsLong() >= 0, "seed -1 is replaced by the seed used");
    }

    @Test
    void listsAndOptions() {
        JsonArray samplers = http.get("/sdapi/v1/samplers").element().getAsJsonArray();
        assertTrue(samplers.size() >= 8);
        List<String> names = new ArrayList<>();
        samplers.forEach(s -> names.add(s.getAsJsonObject().get("name").getAsString()));
        assertTrue(names.contains("Euler a") && names.contains("DPM++ 2M"), names.toString());
        assertTrue(samplers.get(0).getAsJsonObject().has("aliases") && samplers.get(0).getAsJsonObject().has("options"));
        JsonArray schedulers = http.get("/sdapi/v1/schedulers").element().getAsJsonArray();
        assertEquals("karras", schedulers.get(2).getAsJsonObject().get("name").getAsString());
        JsonArray models = http.get("/sdapi/v1/sd-models").element().getAsJsonArray();
        assertEquals(2, models.size());
        for (String key : List.of("title", "model_name", "hash", "sha256", "filename", "config")) {
            assertTrue(models.get(0).getAsJsonObject().has(key), key);
        }
        assertEquals(0, http.get("/sdapi/v1/loras").element().getAsJsonArray().size());
        JsonObject emb = http.get("/sdapi/v1/embeddings").json();
        assertTrue(emb.has("loaded") && emb.has("skipped"));
        JsonObject mem = http.get("/sdapi/v1/memory").json();
        assertTrue(mem.getAsJsonObject("ram").get("used").getAsLong() > 0);
        assertEquals(200, http.post("/sdapi/v1/refresh-checkpoints", "").status());
        assertEquals(200, http.post("/sdapi/v1/skip", "").status());
        assertEquals("d4j-shapes", http.get("/sdapi/v1/options").json().get("sd_model_checkpoint").getAsString());
    }

    @Test
    void optionsSwitchTheModel() {
        JsonObject set = new JsonObject();
        set.addProperty("sd_model_checkpoint", "shapes-copy");
        assertEquals(200, http.post("/sdapi/v1/options", set).status());
        assertEquals("shapes-copy", http.get("/sdapi/v1/options").json().get("sd_model_checkpoint").getAsString());
        String info = http.post("/sdapi/v1/txt2img", txt2img("a red circle", 3, 2)).json().get("info").getAsString();
        assertTrue(info.contains("\"sd_model_name\":\"shapes-copy\""), info);
        set.addProperty("sd_model_checkpoint", "d4j-shapes");
        assertEquals(200, http.post("/sdapi/v1/options", set).status());
        set.addProperty("sd_model_checkpoint", "../../etc");
        assertRefused(http.post("/sdapi/v1/options", set), 404, "not found");
        assertEquals("d4j-shapes", http.get("/sdapi/v1/options").json().get("sd_model_checkpoint").getAsString());
    }

    @Test
    void progressMovesAndInterruptEndsTheJobEarlyWithAPartialResult() throws Exception {
        awaitIdle();
        CompletableFuture<Http.Response> call = CompletableFuture.supplyAsync(
                () -> http.post("/sdapi/v1/txt2img", txt2img("a blue square", 5, 300)));
        int first = awaitStep(1);
        int later = awaitStep(first + 2);
        assertTrue(later > first, "progress moves");
        JsonObject p = http.get("/sdapi/v1/progress").json();
        assertTrue(p.get("progress").getAsDouble() > 0 && p.get("progress").getAsDouble() < 1);
        assertEquals(300, p.getAsJsonObject("state").get("sampling_steps").getAsInt());
        assertEquals(1, p.getAsJsonObject("state").get("job_count").getAsInt());
        assertEquals(200, http.post("/sdapi/v1/interrupt", "").status());
        Http.Response r = call.get();
        assertEquals(200, r.status(), r.body());
        JsonObject o = r.json();
        assertEquals(1, o.getAsJsonArray("images").size(), "A1111 returns the image decoded where it stopped");
        assertTrue(o.get("info").getAsString().contains("\"interrupted\":true"));
        assertEquals(0, http.get("/sdapi/v1/progress").json().get("progress").getAsDouble());
    }

    @Test
    void skipEndsTheCurrentIterationAndTheNextOneRuns() throws Exception {
        awaitIdle();
        JsonObject b = txt2img("a blue square", 21, 40);
        b.addProperty("n_iter", 2);
        CompletableFuture<Http.Response> call = CompletableFuture.supplyAsync(() -> http.post("/sdapi/v1/txt2img", b));
        awaitStep(2);
        assertEquals(0, http.get("/sdapi/v1/progress").json().getAsJsonObject("state").get("job_no").getAsInt());
        assertEquals(200, http.post("/sdapi/v1/skip", "").status());
        JsonObject o = call.get().json();
        assertEquals(2, o.getAsJsonArray("images").size(), "the skipped iteration's partial image and the next one");
        JsonObject info = JsonParser.parseString(o.get("info").getAsString()).getAsJsonObject();
        assertEquals(22, info.getAsJsonArray("all_seeds").get(1).getAsLong());
    }

    /** Polls progress until the running job reaches {@code step}; returns the step seen. */
    static int awaitStep(int step) throws InterruptedException {
        long end = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < end) {
            JsonObject p = http.get("/sdapi/v1/progress").json();
            int s = p.getAsJsonObject("state").get("sampling_step").getAsInt();
            if (s >= step) return s;
            Thread.sleep(20);
        }
        throw new AssertionError("no progress to step " + step);
    }

    /** Waits until no job runs or waits, so that a test's queue arithmetic starts from empty. */
    static void awaitIdle() throws InterruptedException {
        for (int i = 0; i < 6000 && (server.queue().running() != null || server.queue().waitingCount() > 0); i++) {
            Thread.sleep(10);
        }
    }

    @Test
    void jobApiQueuesCancelsStreamsAndServesPngs() throws Exception {
        awaitIdle();
        Http.Response long1 = http.post("/v1/jobs", txt2img("a red circle", 1, 300));
        assertEquals(202, long1.status(), long1.body());
        String running = long1.json().get("id").getAsString();
        awaitStep(1); // running, so no longer counted among the waiting
        Http.Response second = http.post("/v1/jobs", txt2img("a red circle", 2, 3));
        assertEquals(202, second.status(), second.body());
        String queued = second.json().get("id").getAsString();
        Http.Response third = http.post("/v1/jobs", txt2img("a red circle", 3, 3));
        assertEquals(202, third.status(), third.body());
        String queued2 = third.json().get("id").getAsString();
        Http.Response full = http.post("/v1/jobs", txt2img("a red circle", 4, 3));
        assertRefused(full, 429, "queue is full");
        assertTrue(Integer.parseInt(full.raw().headers().firstValue("Retry-After").orElseThrow()) >= 1);
        assertRefused(http.post("/sdapi/v1/txt2img", txt2img("a red circle", 4, 3)), 429, "queue is full");

        assertEquals("queued", http.get("/v1/jobs/" + queued).json().get("state").getAsString());
        assertEquals("cancelled", http.delete("/v1/jobs/" + queued).json().get("state").getAsString());
        awaitStep(1);
        http.delete("/v1/jobs/" + running);
        assertEquals("cancelled", awaitState(running, "cancelled"), "a running job stops when cancelled");

        List<String> events = events(queued2);
        assertTrue(events.contains("event:done") || events.contains("event: done"), events.toString());
        JsonObject done = http.get("/v1/jobs/" + queued2).json();
        assertEquals("done", done.get("state").getAsString());
        String url = done.getAsJsonArray("images").get(0).getAsJsonObject().get("url").getAsString();
        HttpResponse<byte[]> png = http.client().send(http.request(url).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, png.statusCode());
        assertEquals("image/png", png.headers().firstValue("Content-Type").orElse(""));
        assertTrue(Png.readText(png.body()).get("parameters").contains("Seed: 3"));
        assertRefused(http.get("/v1/jobs/nope"), 404, "no job");
        assertRefused(http.get(url.replace("/0.png", "/9.png")), 404, "no image 9");
    }

    static String awaitState(String id, String state) throws InterruptedException {
        for (int i = 0; i < 3000; i++) {
            String s = http.get("/v1/jobs/" + id).json().get("state").getAsString();
            if (s.equals(state)) return s;
            Thread.sleep(20);
        }
        return http.get("/v1/jobs/" + id).json().get("state").getAsString();
    }

    /** The event lines of a job's stream, read until it closes. */
    static List<String> events(String id) throws Exception {
        HttpResponse<InputStream> r = http.client().send(http.request("/v1/jobs/" + id + "/events")
                .header("Accept", "text/event-stream").GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        List<String> lines = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                if (line.startsWith("event:")) lines.add(line);
            }
        }
        return lines;
    }

    @Test
    void previewsStreamWhileAJobRuns() throws Exception {
        String id = http.post("/v1/jobs", txt2img("a red circle", 11, 12)).json().get("id").getAsString();
        List<String> events = events(id);
        assertTrue(events.stream().anyMatch(e -> e.contains("preview")), events.toString());
        assertTrue(events.stream().filter(e -> e.contains("progress")).count() >= 2, events.toString());
    }

    @Test
    void refusalsLeaveTheServerRunning() {
        assertRefused(http.post("/sdapi/v1/txt2img", "{not json"), 400, "not valid JSON");
        assertRefused(http.post("/sdapi/v1/txt2img", "[1,2]"), 422, "JSON object");
        assertRefused(http.post("/sdapi/v1/txt2img", "{\"steps\": \"many\"}"), 422, "'steps' must be a number");
        assertRefused(http.post("/sdapi/v1/txt2img", "{\"steps\": 2.5}"), 422, "must be an integer");
        assertRefused(http.post("/sdapi/v1/txt2img", "{\"prompt\": 5}"), 422, "'prompt' must be a string");
        assertRefused(http.post("/sdapi/v1/txt2img", "{\"steps\": 301}"), 422, "[1, 300]");
        assertRefused(http.post("/sdapi/v1/txt2img", "{\"width\": 512, \"height\": 512}"), 422, "exceeds the limit");
        assertRefused(http.post("/sdapi/v1/txt2img", "{\"width\": 60}"), 422, "multiples of 8");
        assertRefused(http.post("/sdapi/v1/txt2img", "{\"sampler_name\": \"Nope\"}"), 404, "unknown sampler");
        assertRefused(http.post("/sdapi/v1/txt2img", "{\"scheduler\": \"Exponential\"}"), 422, "not implemented");
        assertRefused(http.post("/sdapi/v1/txt2img", "{\"prompt\": \"a cat <lora:../../x:1>\"}"), 404, "lora");
        assertRefused(http.post("/sdapi/v1/img2img", "{\"prompt\": \"x\"}"), 422, "init_images");
        assertRefused(http.post("/sdapi/v1/img2img", "{\"init_images\": [\"!!!\"]}"), 422, "base64");
        assertRefused(http.post("/sdapi/v1/img2img", "{\"init_images\": [\"aGVsbG8=\"]}"), 422, "not a readable image");
        assertRefused(http.post("/sdapi/v1/png-info", "{\"image\": \"aGVsbG8=\"}"), 422, "readable");
        assertRefused(http.get("/sdapi/v1/nothing"), 404, "not found");
        assertRefused(http.post("/sdapi/v1/txt2img", "{\"prompt\": \"" + "x".repeat(2 << 20) + "\"}"), 413, "exceeds");
        Http.Response noAuth = new Http(server.port(), null).get("/sdapi/v1/options");
        assertEquals(401, noAuth.status());
        assertTrue(noAuth.raw().headers().firstValue("WWW-Authenticate").isPresent());
        assertEquals(401, new Http(server.port(), "user:wrong").get("/").status());
        assertAlive();
    }

    @Test
    void img2imgRunsWithAndWithoutAMask() {
        JsonObject t = http.post("/sdapi/v1/txt2img", txt2img("a red circle", 8, 2)).json();
        String image = t.getAsJsonArray("images").get(0).getAsString();
        JsonObject b = txt2img("a blue circle", 8, 4);
        JsonArray init = new JsonArray();
        init.add(image);
        b.add("init_images", init);
        b.addProperty("denoising_strength", 0.5);
        Http.Response r = http.post("/sdapi/v1/img2img", b);
        assertEquals(200, r.status(), r.body());
        JsonObject o = r.json();
        assertFalse(o.getAsJsonObject("parameters").has("init_images"), "init images are not echoed back");
        assertTrue(o.get("info").getAsString().contains("\"denoising_strength\":0.5"));
        b.addProperty("mask", image);
        Http.Response masked = http.post("/sdapi/v1/img2img", b);
        assertEquals(200, masked.status(), masked.body());
        assertFalse(masked.json().getAsJsonObject("parameters").has("mask"), "masks are not echoed back");
    }

    @Test
    void openAiImagesAndCorsClosedByDefault() {
        JsonObject b = new JsonObject();
        b.addProperty("prompt", "a red circle");
        b.addProperty("size", "64x64");
        JsonObject o = http.post("/v1/images/generations", b).json();
        assertEquals(1, o.getAsJsonArray("data").size());
        assertNotNull(o.getAsJsonArray("data").get(0).getAsJsonObject().get("b64_json"));
        Http.Response r = http.send(http.request("/sdapi/v1/options").header("Origin", "http://evil.example").GET());
        assertNull(r.raw().headers().firstValue("Access-Control-Allow-Origin").orElse(null));
    }

    @Test
    void nonLoopbackHostNeedsAuth() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ServerConfig("0.0.0.0",
                7860, null, 16, null, List.of(), ServerConfig.Limits.defaults()));
        assertTrue(e.getMessage().contains("--api-auth"), e.getMessage());
        new ServerConfig("0.0.0.0", 7860, null, 16, "a:b", List.of(), ServerConfig.Limits.defaults());
        new ServerConfig("localhost", 7860, null, 16, null, List.of(), ServerConfig.Limits.defaults());
        assertThrows(IllegalArgumentException.class, () -> new ServerConfig("127.0.0.1", 7860, null, 16, "nocolon",
                List.of(), ServerConfig.Limits.defaults()));
    }
}
