package dev.diffusion4j.server;

import java.util.List;

/**
 * The images a job made, as PNG files with A1111's {@code parameters} chunk, and what A1111's {@code info} reports.
 *
 * @param seeds the seed that made each image (its run's seed; an image at batch position k > 0 reproduces with that
 *     seed and the same batch size, as the CLI's batches do)
 * @param partial true when an interrupt or skip stopped a run early and its images are the latents decoded as they
 *     were, as A1111 returns them
 */
record JobResult(List<byte[]> pngs, List<String> infotexts, List<Long> seeds, String sampler, String model,
                 int width, int height, boolean partial) {

    JobResult {
        pngs = List.copyOf(pngs);
        infotexts = List.copyOf(infotexts);
        seeds = List.copyOf(seeds);
    }
}
