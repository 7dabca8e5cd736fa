package dev.diffusion4j.server;

import com.google.gson.JsonObject;
import dev.diffusion4j.pipelines.GenerationRequest;

/**
 * One validated generation request: {@code iterations} runs (A1111's {@code n_iter}) of {@code batch} images, run
 * {@code i} seeded with {@code seed + i·batch} as A1111 does, so a one-image request reproduces with its seed alone.
 *
 * @param builder makes each run's request; only the seed changes between runs
 * @param first the first run's request, built and resolved (seed and size fixed) when the job was accepted
 * @param parameters the request as the client sent it, echoed back in A1111's {@code parameters}
 */
record JobSpec(String kind, GenerationRequest.Builder builder, GenerationRequest first, int iterations,
               JsonObject parameters) {

    /** The request of run {@code i}. */
    GenerationRequest run(int i) {
        if (i == 0) {
            return first;
        }
        return builder.seed(seed(i)).size(first.width(), first.height()).build();
    }

    /** The seed of run {@code i}: A1111 advances by the batch size per iteration. */
    long seed(int i) {
        return first.seed() + (long) i * first.batchSize();
    }

    int images() {
        return iterations * first.batchSize();
    }
}
