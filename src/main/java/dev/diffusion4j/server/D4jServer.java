package dev.diffusion4j.server;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.diffusion4j.io.ModelDirectory;
import dev.diffusion4j.models.LoadOptions;
import dev.diffusion4j.models.PredictionType;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.http.HttpStatus;
import io.javalin.http.staticfiles.Location;
import io.javalin.security.BasicAuthCredentials;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.concurrent.ExecutionException;

/**
 * The {@code d4j serve} process: the loaded model, its queue and worker, and the HTTP server in front of them. Binds
 * loopback unless configured otherwise (a non-loopback host needs {@code --api-auth}, checked by
 * {@link ServerConfig}); request bodies are capped; CORS is closed unless origins are listed; every error is one
 * JSON object {@code {error, detail}}, never a stack trace.
 */
public final class D4jServer implements AutoCloseable {

    static final Gson GSON = new GsonBuilder().serializeNulls().disableHtmlEscaping().create();

    private final ServerConfig config;
    private final ModelCatalog catalog;
    private final ModelHost host;
    private final LoraCatalog loras;
    private final EmbeddingCatalog embeddings;
    private final JobQueue queue;
    private final Javalin app;

    private D4jServer(ServerConfig config, ModelCatalog catalog, ModelHost host, LoraCatalog loras,
                      EmbeddingCatalog embeddings) {
        this.config = config;
        this.catalog = catalog;
        this.host = host;
        this.loras = loras;
        this.embeddings = embeddings;
        this.queue = new JobQueue(config.queue(), host);
        this.app = Javalin.create(c -> {
            c.showJavalinBanner = false;
            c.http.maxRequestSize = config.limits().maxBodyBytes();
            c.http.asyncTimeout = 0;
            c.staticFiles.add(s -> {
                s.hostedPath = "/";
                s.directory = "/dev/diffusion4j/server/web";
                s.location = Location.CLASSPATH;
            });
            if (!config.corsOrigins().isEmpty()) {
                c.bundledPlugins.enableCors(cors -> cors.addRule(rule -> rule.allowHost(
                        config.corsOrigins().get(0),
                        config.corsOrigins().subList(1, config.corsOrigins().size()).toArray(String[]::new))));
            }
        });
        app.before(this::guard);
        new A1111Api(this).register(app);
        new JobApi(this).register(app);
        app.exception(ApiException.class, (e, ctx) -> {
            if (e instanceof JobQueue.QueueFullException full) {
                ctx.header("Retry-After", Integer.toString(full.retryAfter));
            }
            error(ctx, e.status, e.getMessage());
        });
        app.exception(ExecutionException.class, (e, ctx) -> error(ctx, 500, message(e.getCause())));
        app.exception(HttpResponseException.class, (e, ctx) -> error(ctx, e.getStatus(), e.getMessage()));
        app.exception(Exception.class, (e, ctx) -> {
            System.err.println("d4j serve: " + ctx.method() + " " + ctx.path() + ": " + message(e));
            error(ctx, 500, message(e));
        });
        app.error(404, ctx -> {
            if (ctx.result() == null) error(ctx, 404, "no such endpoint: " + ctx.method() + " " + ctx.path());
        });
    }

    /**
     * Loads the first model and starts listening.
     *
     * @param builtIn the built-in model, listed beside the others; may be null
     */
    public static D4jServer start(ServerConfig config, ModelDirectory first, ModelDirectory builtIn) throws IOException {
        return start(config, ServedModel.of(first), builtIn);
    }

    /**
     * Loads an original single checkpoint file (read with its family's built-in configs) and starts listening.
     *
     * @param builtIn the built-in model, listed beside the others; may be null
     */
    public static D4jServer start(ServerConfig config, Path firstFile, ModelDirectory builtIn) throws IOException {
        return start(config, firstFile, null, null, builtIn);
    }

    /**
     * {@link #start(ServerConfig, Path, ModelDirectory)} with the file's architecture from a diffusers folder and an
     * SD 2.x file's prediction type (as {@code d4j generate --config/--prediction-type}); either may be null.
     */
    public static D4jServer start(ServerConfig config, Path firstFile, Path configDir, PredictionType prediction,
                                  ModelDirectory builtIn) throws IOException {
        return start(config, ServedModel.file(firstFile.getFileName().toString(), firstFile, configDir, prediction),
                builtIn);
    }

    private static D4jServer start(ServerConfig config, ServedModel first, ModelDirectory builtIn) throws IOException {
        LoraCatalog loras = new LoraCatalog(config.loraDir());
        EmbeddingCatalog embeddings = new EmbeddingCatalog(config.embeddingsDir());
        ModelCatalog catalog = new ModelCatalog(builtIn == null ? null : ServedModel.of(builtIn), first,
                config.modelsDir());
        ModelHost host;
        try {
            host = new ModelHost(first, LoadOptions.defaults().withDtype(config.dtype()));
        } catch (IOException | RuntimeException e) {
            catalog.close();
            throw e;
        }
        D4jServer server = new D4jServer(config, catalog, host, loras, embeddings);
        try {
            server.app.start(config.host(), config.port());
        } catch (RuntimeException e) {
            server.close();
            throw new IOException("cannot listen on " + config.host() + ":" + config.port() + ": " + message(e), e);
        }
        return server;
    }

    /** The port listened on (the one chosen when configured with 0). */
    public int port() {
        return app.port();
    }

    public String modelName() {
        return host.served().name();
    }

    ServerConfig config() {
        return config;
    }

    ModelCatalog catalog() {
        return catalog;
    }

    ModelHost host() {
        return host;
    }

    LoraCatalog loras() {
        return loras;
    }

    EmbeddingCatalog embeddings() {
        return embeddings;
    }

    JobQueue queue() {
        return queue;
    }

    /** Authentication (when configured) and the body cap, before any handler reads the request. */
    private void guard(Context ctx) {
        if (config.apiAuth() != null) {
            BasicAuthCredentials c = ctx.basicAuthCredentials();
            String given = c == null ? "" : c.getUsername() + ":" + c.getPassword();
            if (!MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8),
                    config.apiAuth().getBytes(StandardCharsets.UTF_8))) {
                ctx.header("WWW-Authenticate", "Basic realm=\"d4j\"");
                throw new ApiException(401, "incorrect username or password");
            }
        }
        if (ctx.contentLength() > config.limits().maxBodyBytes()) {
            throw new ApiException(413, "the request body (" + ctx.contentLength() + " bytes) exceeds the limit of "
                    + config.limits().maxBodyBytes() + " bytes");
        }
    }

    static void json(Context ctx, JsonElement body) {
        ctx.contentType("application/json").result(GSON.toJson(body));
    }

    /** A1111's error body: {@code error} (the status's reason), {@code detail} (the message), body and errors. */
    static void error(Context ctx, int status, String message) {
        JsonObject o = new JsonObject();
        HttpStatus s = HttpStatus.forStatus(status);
        o.addProperty("error", s.getMessage());
        o.addProperty("detail", message);
        o.addProperty("body", "");
        o.addProperty("errors", message);
        ctx.status(status);
        json(ctx, o);
    }

    static String message(Throwable e) {
        String m = e == null ? null : e.getMessage();
        return m == null || m.isBlank() ? (e == null ? "error" : e.getClass().getSimpleName()) : m;
    }

    @Override
    public void close() {
        app.stop();
        queue.close();
        host.close();
        catalog.close();
    }
}
