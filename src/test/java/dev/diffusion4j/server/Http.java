package dev.diffusion4j.server;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

/** A loopback HTTP client for the server tests, with basic authentication when given. */
final class Http {

    record Response(int status, String body, HttpResponse<byte[]> raw) {
        JsonObject json() {
            return JsonParser.parseString(body).getAsJsonObject();
        }

        JsonElement element() {
            return JsonParser.parseString(body);
        }
    }

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final String base;
    private final String auth;

    Http(int port, String userPass) {
        this.base = "http://127.0.0.1:" + port;
        this.auth = userPass == null ? null
                : "Basic " + Base64.getEncoder().encodeToString(userPass.getBytes(StandardCharsets.UTF_8));
    }

    Response get(String path) {
        return send(request(path).GET());
    }

    Response post(String path, String body) {
        return send(request(path).POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    Response post(String path, JsonObject body) {
        return post(path, body.toString());
    }

    Response delete(String path) {
        return send(request(path).DELETE());
    }

    HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(120))
                .header("Content-Type", "application/json");
        if (auth != null) b.header("Authorization", auth);
        return b;
    }

    Response send(HttpRequest.Builder b) {
        try {
            HttpResponse<byte[]> r = client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            return new Response(r.statusCode(), new String(r.body(), StandardCharsets.UTF_8), r);
        } catch (IOException e) {
            throw new AssertionError("request failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    HttpClient client() {
        return client;
    }
}
