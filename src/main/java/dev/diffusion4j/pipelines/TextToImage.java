package dev.diffusion4j.pipelines;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.diffusion4j.random.TorchGenerator;
import dev.diffusion4j.schedulers.Scheduler;

/** diffusers' StableDiffusionPipeline: latents start as pure noise scaled by the scheduler's init sigma. */
final class TextToImage extends DiffusionPipeline {

    TextToImage(StableDiffusion model) {
        super(model);
    }

    @Override
    Start prepare(NDManager m, GenerationRequest r, Scheduler scheduler, TorchGenerator generator, int w, int h) {
        int f = model.vaeScaleFactor();
        Shape shape = new Shape(r.batchSize(), model.unet().config().inChannels(), h / f, w / f);
        NDArray noise = generator.randn(m, shape);
        NDArray latents = noise.mul(scheduler.initNoiseSigma());
        noise.close();
        return new Start(latents, scheduler.timesteps());
    }
}
