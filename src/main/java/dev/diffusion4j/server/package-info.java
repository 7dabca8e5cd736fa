/**
 * {@code d4j serve}: an HTTP server that keeps a model loaded. AUTOMATIC1111's {@code /sdapi/v1} API
 * ({@link dev.diffusion4j.server.A1111Api}) for existing clients, a native job API with server-sent events
 * ({@link dev.diffusion4j.server.JobApi}), one worker per loaded model behind a bounded FIFO queue
 * ({@link dev.diffusion4j.server.JobQueue}), and the web page under {@code resources/.../server/web}. Requests are
 * validated before they queue; every failure answers one JSON message, never a stack trace. It may import
 * {@code pipelines}, {@code models}, {@code schedulers}, {@code text}, {@code adapters}, {@code vae}, {@code io},
 * {@code tensor}; only {@code cli} imports it.
 */
package dev.diffusion4j.server;
