package dev.diffusion4j.cli;

import dev.diffusion4j.io.ModelDirectory;
import dev.diffusion4j.models.ModelSpec;
import dev.diffusion4j.pipelines.GenerationRequest;
import dev.diffusion4j.pipelines.StableDiffusion;
import dev.diffusion4j.server.D4jServer;
import dev.diffusion4j.server.ServerConfig;
import dev.diffusion4j.tensor.Engines;
import dev.diffusion4j.tensor.Precision;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code d4j serve}: keeps a model loaded behind an AUTOMATIC1111-compatible HTTP API, a job API and a web page. */
@Command(name = "serve", description = "Serve a model over HTTP: AUTOMATIC1111's /sdapi/v1 API, a job API with "
        + "server-sent events, and a web page at /.")
final class ServeCommand implements Callable<Integer> {

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on (default: "
            + "${DEFAULT-VALUE}; any other than loopback needs --api-auth).")
    String host;

    @Option(names = "--port", defaultValue = "7860", description = "Port (default: ${DEFAULT-VALUE}; 0 = any free port).")
    int port;

    @Option(names = {"-m", "--model"}, description = "Diffusers folder, Hugging Face repo id in the local cache, or "
            + "single file (.safetensors, .ckpt, .pt, .pth; default: the built-in model).")
    String model;

    @Mixin
    SingleFileOptions singleFile;

    @Option(names = "--models-dir", description = "Folder whose diffusers subfolders and .safetensors/.ckpt files "
            + "are listed as further models (switched with options.sd_model_checkpoint).")
    Path modelsDir;

    @Option(names = "--lora-dir", description = "LoRA folder: listed by /sdapi/v1/loras, applied by <lora:NAME:W> "
            + "tags in prompts.")
    Path loraDir;

    @Option(names = "--embeddings-dir", description = "Textual-inversion folder: listed by /sdapi/v1/embeddings, "
            + "triggered by their file names in prompts.")
    Path embeddingsDir;

    @Option(names = "--dtype", defaultValue = "fp32", description = "Compute precision: fp32, bf16, or auto (bf16 "
            + "where the CPU has native bf16 arithmetic; default: ${DEFAULT-VALUE}).")
    String dtype;

    @Option(names = "--queue", defaultValue = "16", description = "Requests that may wait behind the running one; "
            + "more get 429 with Retry-After (default: ${DEFAULT-VALUE}).")
    int queue;

    @Option(names = "--api-auth", description = "USER:PASS for HTTP basic authentication of every request.")
    String apiAuth;

    @Option(names = "--cors-allow-origins", split = ",", description = "Origins allowed to call the API from a "
            + "browser, comma-separated (default: none).")
    List<String> corsOrigins = List.of();

    @Option(names = "--max-steps", defaultValue = "150", description = "Most sampling steps per request "
            + "(default: ${DEFAULT-VALUE}).")
    int maxSteps;

    @Option(names = "--max-pixels", defaultValue = "4194304", description = "Most width x height x batch_size per "
            + "request (default: ${DEFAULT-VALUE}, 2048x2048).")
    long maxPixels;

    @Option(names = "--max-body-mb", defaultValue = "32", description = "Largest request body in MB "
            + "(default: ${DEFAULT-VALUE}).")
    int maxBodyMb;

    @Override
    public Integer call() throws IOException, InterruptedException {
        // a port in use is reported once, by this command; Javalin would log it again
        System.setProperty("org.slf4j.simpleLogger.log.io.javalin.Javalin", "off");
        ServerConfig serverConfig;
        try {
            ServerConfig.Limits d = ServerConfig.Limits.defaults();
            if (maxSteps < 1 || maxPixels < 64 * 64 || maxBodyMb < 1) {
                throw new IllegalArgumentException("--max-steps, --max-pixels and --max-body-mb must be positive "
                        + "(--max-pixels at least 4096)");
            }
            serverConfig = new ServerConfig(host, port, dir("--models-dir", modelsDir), queue, apiAuth, corsOrigins,
                    new ServerConfig.Limits(maxPixels, d.maxSide(), maxSteps, d.maxImages(), (long) maxBodyMb << 20),
                    dir("--lora-dir", loraDir), dir("--embeddings-dir", embeddingsDir), Precision.parse(dtype));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        ModelSpec spec = singleFile.open(model, null);
        ModelDirectory builtIn = builtIn();
        // the thread count a request at the model's native size runs fastest with (one for the built-in model)
        Engines.configure(StableDiffusion.suggestedThreads(spec, GenerationRequest.builder("").build()
                .resolve(spec.nativeSize(), spec.vaeScaleFactor())));
        Path file = model == null ? null : Path.of(model);
        D4jServer server = file != null && Files.isRegularFile(file)
                ? D4jServer.start(serverConfig, file, singleFile.config, singleFile.prediction(), builtIn)
                : D4jServer.start(serverConfig, DefaultModel.resolve(model), builtIn);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "d4j-serve-stop"));
        System.err.println("d4j serve: " + server.modelName() + " on http://" + hostForUrl(host) + ":" + server.port()
                + "/ (A1111 API at /sdapi/v1, jobs at /v1/jobs); Ctrl+C stops");
        stopped.await();
        return 0;
    }

    private static Path dir(String flag, Path p) {
        if (p != null && !Files.isDirectory(p)) {
            throw new IllegalArgumentException(flag + ": not a folder: " + p);
        }
        return p;
    }

    private static ModelDirectory builtIn() {
        try {
            return DefaultModel.resolve(null);
        } catch (UsageException e) {
            return null;
        }
    }

    private static String hostForUrl(String h) {
        return h.contains(":") ? "[" + h + "]" : h;
    }
}
