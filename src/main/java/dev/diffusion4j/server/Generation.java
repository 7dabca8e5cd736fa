package dev.diffusion4j.server;

import dev.diffusion4j.io.Png;
import dev.diffusion4j.pipelines.GenerationListener;
import dev.diffusion4j.pipelines.GenerationRequest;
import dev.diffusion4j.pipelines.GenerationResult;
import dev.diffusion4j.pipelines.Infotext;
import dev.diffusion4j.pipelines.StableDiffusion;
import dev.diffusion4j.schedulers.Samplers;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;

/**
 * Runs a {@link JobSpec} on the worker: its iterations one after another, step progress and previews into the
 * {@link Job}, and A1111's stop semantics: interrupt ends the job within a step and keeps the current latents
 * decoded (A1111's partial result), skip does that to the current iteration and goes on, cancel drops the job.
 */
final class Generation implements Job.Work {

    @Override
    public void run(Job job, ModelHost host) throws IOException {
        JobSpec spec = job.spec;
        StableDiffusion sd = host.model();
        List<byte[]> pngs = new ArrayList<>();
        List<String> infotexts = new ArrayList<>();
        List<Long> seeds = new ArrayList<>();
        String sampler = null;
        boolean partial = false;
        for (int i = 0; i < spec.iterations() && !job.interrupted && !job.cancelled; i++) {
            job.iteration = i;
            job.step = 0;
            job.skipped = false;
            GenerationRequest request = spec.run(i);
            job.steps = request.steps();
            Progress progress = new Progress(job, sd);
            GenerationResult result;
            try {
                result = sd.generate(request, progress);
            } catch (CancellationException e) {
                if (job.cancelled || progress.last == null) {
                    break;
                }
                // A1111 decodes the latents it had when stopped and returns them
                partial = true;
                result = new GenerationResult(progress.last.decode(sd), request.seed(), null, request.width(),
                        request.height(), samplerName(sd, request));
            }
            sampler = result.sampler();
            for (int k = 0; k < result.images().size(); k++) {
                String infotext = Infotext.of(request, result, sd.name(), k);
                BufferedImage image = result.images().get(k);
                pngs.add(Png.encode(image, Map.of("parameters", infotext)));
                infotexts.add(infotext);
                seeds.add(request.seed());
            }
            job.emit("progress", JobJson.progress(job).toString());
        }
        if (job.cancelled) {
            throw new CancellationException("cancelled");
        }
        job.result = new JobResult(pngs, infotexts, seeds, sampler == null ? samplerName(sd, spec.first()) : sampler,
                sd.name(), spec.first().width(), spec.first().height(), partial);
    }

    private static String samplerName(StableDiffusion sd, GenerationRequest r) {
        return r.sampler() != null ? r.sampler().displayName()
                : Samplers.displayName(sd.schedulerConfig());
    }

    /** Copies each step's latents (for a partial result or a preview) and reports the step to the job. */
    private static final class Progress implements GenerationListener {
        private final Job job;
        private final StableDiffusion sd;
        Latents last;

        Progress(Job job, StableDiffusion sd) {
            this.job = job;
            this.sd = sd;
        }

        @Override
        public void onStep(Step step) {
            last = Latents.copy(step.latents());
            job.step = step.index() + 1;
            job.steps = step.total();
            if (job.previewsWanted()) {
                try {
                    job.preview = last.preview(sd);
                    job.previewStep = job.step;
                    job.emit("preview", JobJson.preview(job).toString());
                } catch (IOException | RuntimeException e) {
                    // a preview is best effort: the generation goes on without it
                    job.preview = null;
                }
            }
            job.emit("progress", JobJson.progress(job).toString());
        }

        @Override
        public boolean isCancelled() {
            return job.stopRequested();
        }
    }
}
