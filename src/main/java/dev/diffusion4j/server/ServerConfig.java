package dev.diffusion4j.server;

import ai.djl.ndarray.types.DataType;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.List;

/**
 * How a server runs: where it listens, what it serves, and the limits on what clients may ask.
 *
 * @param modelsDir a folder whose diffusers subfolders and single checkpoint files are listed as further models, or
 *     null
 * @param queue accepted requests that may wait behind the running one; more get 429
 * @param apiAuth {@code USER:PASS} for HTTP basic authentication, or null for none
 * @param corsOrigins origins allowed to call the API from a browser; empty = none (same-origin only)
 * @param loraDir the LoRA files prompts may name with {@code <lora:NAME:W>}, or null for none
 * @param embeddingsDir the textual-inversion embeddings prompts may use, or null for none
 * @param dtype the compute dtype every model is loaded with (float32 or bfloat16)
 */
public record ServerConfig(String host, int port, Path modelsDir, int queue, String apiAuth, List<String> corsOrigins,
                           Limits limits, Path loraDir, Path embeddingsDir, DataType dtype) {

    /**
     * What one request may ask for.
     *
     * @param maxPixels width × height × images of one batch
     * @param maxSide pixels per side
     * @param maxSteps sampling steps
     * @param maxImages n_iter × batch_size of one request
     * @param maxBodyBytes request body size
     */
    public record Limits(long maxPixels, int maxSide, int maxSteps, int maxImages, long maxBodyBytes) {
        public static Limits defaults() {
            return new Limits(2048L * 2048, 2048, 150, 16, 32L << 20);
        }
    }

    /** A server without LoRA or embeddings folders, computing in float32. */
    public ServerConfig(String host, int port, Path modelsDir, int queue, String apiAuth, List<String> corsOrigins,
                        Limits limits) {
        this(host, port, modelsDir, queue, apiAuth, corsOrigins, limits, null, null, DataType.FLOAT32);
    }

    public ServerConfig {
        corsOrigins = List.copyOf(corsOrigins);
        if (dtype != DataType.FLOAT32 && dtype != DataType.BFLOAT16) {
            throw new IllegalArgumentException("--dtype must be fp32 or bf16 (or auto), got " + dtype);
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--port must be in [0, 65535] (0 = any free port), got " + port);
        }
        if (queue < 0 || queue > 100_000) {
            throw new IllegalArgumentException("--queue must be in [0, 100000], got " + queue);
        }
        if (apiAuth != null && (apiAuth.indexOf(':') <= 0 || apiAuth.indexOf(':') == apiAuth.length() - 1)) {
            throw new IllegalArgumentException("--api-auth must be USER:PASS with both parts non-empty");
        }
        if (apiAuth == null && !isLoopback(host)) {
            throw new IllegalArgumentException("--host " + host + " would accept requests from other machines: give "
                    + "--api-auth USER:PASS too, or bind 127.0.0.1");
        }
        for (String origin : corsOrigins) {
            if (!origin.matches("https?://[A-Za-z0-9.\\-\\[\\]:]+")) {
                throw new IllegalArgumentException("--cors-allow-origins: '" + origin + "' is not an origin such as "
                        + "http://localhost:3000");
            }
        }
    }

    /** Whether a host name or address only accepts connections from this machine. */
    static boolean isLoopback(String host) {
        try {
            for (InetAddress a : InetAddress.getAllByName(host)) {
                if (!a.isLoopbackAddress()) {
                    return false;
                }
            }
            return true;
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("--host " + host + ": unknown host");
        }
    }
}
