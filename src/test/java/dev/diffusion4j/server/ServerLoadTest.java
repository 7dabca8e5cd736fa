package dev.diffusion4j.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.diffusion4j.io.ModelDirectory;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * A bounded loopback load test: 50 concurrent A1111 txt2img requests (4 steps of the built-in model). With a queue
 * of 64 every one completes with its own seed; with a queue of 8 the excess is refused with 429 and Retry-After and
 * every accepted one completes. Throughput and latency percentiles go to stdout and {@code target/server-load.txt}.
 */
class ServerLoadTest {

    static final int REQUESTS = 50;
    static final Path MODEL = Path.of("models", "d4j-shapes");

    record Outcome(int status, long seed, int images, double seconds, boolean retryAfter) {}

    @Test
    void fiftyConcurrentRequestsAllCompleteWithTheirSeeds() throws Exception {
        List<Outcome> outcomes = burst(64);
        for (int i = 0; i < REQUESTS; i++) {
            Outcome o = outcomes.get(i);
            assertEquals(200, o.status(), "request " + i);
            assertEquals(1000 + i, o.seed(), "request " + i + " got its own seed back");
            assertEquals(1, o.images());
        }
    }

    @Test
    void aFullQueueRefusesTheExcessAndLosesNothingAccepted() throws Exception {
        List<Outcome> outcomes = burst(8);
        int accepted = 0;
        for (int i = 0; i < REQUESTS; i++) {
            Outcome o = outcomes.get(i);
            if (o.status() == 200) {
                accepted++;
                assertEquals(1000 + i, o.seed(), "request " + i);
                assertEquals(1, o.images());
            } else {
                assertEquals(429, o.status(), "request " + i + ": either done or refused");
                assertTrue(o.retryAfter(), "429 carries Retry-After");
            }
        }
        assertTrue(accepted >= 9, "the running job and the 8 queued ones complete: " + accepted);
        assertTrue(accepted < REQUESTS, "some were refused: " + accepted);
    }

    private static List<Outcome> burst(int queue) throws Exception {
        try (D4jServer server = D4jServer.start(new ServerConfig("127.0.0.1", 0, null, queue, null, List.of(),
                ServerConfig.Limits.defaults()), ModelDirectory.open(MODEL, "d4j-shapes"), null)) {
            Http http = new Http(server.port(), null);
            http.post("/sdapi/v1/txt2img", "{\"prompt\": \"warm-up\", \"steps\": 4, \"seed\": 1}");
            long start = System.nanoTime();
            List<CompletableFuture<Outcome>> calls = new ArrayList<>();
            for (int i = 0; i < REQUESTS; i++) {
                long seed = 1000 + i;
                JsonObject body = new JsonObject();
                body.addProperty("prompt", "a red circle");
                body.addProperty("steps", 4);
                body.addProperty("seed", seed);
                HttpRequest request = http.request("/sdapi/v1/txt2img")
                        .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
                long sent = System.nanoTime();
                calls.add(http.client().sendAsync(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8))
                        .thenApply(r -> outcome(r, sent)));
            }
            List<Outcome> outcomes = new ArrayList<>();
            for (CompletableFuture<Outcome> c : calls) {
                outcomes.add(c.get());
            }
            report(queue, outcomes, (System.nanoTime() - start) / 1e9);
            return outcomes;
        }
    }

    private static Outcome outcome(HttpResponse<String> r, long sent) {
        double seconds = (System.nanoTime() - sent) / 1e9;
        if (r.statusCode() != 200) {
            return new Outcome(r.statusCode(), -1, 0, seconds, r.headers().firstValue("Retry-After").isPresent());
        }
        JsonObject o = JsonParser.parseString(r.body()).getAsJsonObject();
        JsonObject info = JsonParser.parseString(o.get("info").getAsString()).getAsJsonObject();
        return new Outcome(200, info.get("seed").getAsLong(), o.getAsJsonArray("images").size(), seconds, false);
    }

    private static void report(int queue, List<Outcome> outcomes, double wall) throws Exception {
        List<Double> done = new ArrayList<>();
        outcomes.stream().filter(o -> o.status() == 200).forEach(o -> done.add(o.seconds()));
        Collections.sort(done);
        long refused = outcomes.stream().filter(o -> o.status() == 429).count();
        String line = String.format(Locale.ROOT, "queue %d: %d requests, %d done, %d refused (429) in %.2f s: "
                + "%.2f images/s, latency p50 %.2f s, p95 %.2f s%n", queue, outcomes.size(), done.size(), refused,
                wall, done.size() / wall, percentile(done, 0.50), percentile(done, 0.95));
        System.out.print("ServerLoadTest " + line);
        Path out = Path.of("target", "server-load.txt");
        Files.createDirectories(out.getParent());
        Files.writeString(out, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }

    private static double percentile(List<Double> sorted, double p) {
        return sorted.isEmpty() ? 0 : sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(p * sorted.size()) - 1));
    }
}
