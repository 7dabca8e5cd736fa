package dev.diffusion4j.pipelines;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import dev.diffusion4j.random.TorchGenerator;
import dev.diffusion4j.schedulers.Scheduler;
import dev.diffusion4j.vae.DiagonalGaussianDistribution;
import dev.diffusion4j.vae.VaeImageProcessor;
import java.awt.image.BufferedImage;
import java.util.Arrays;

/**
 * diffusers' StableDiffusionImg2ImgPipeline: the init image is encoded (a sample of the latent distribution, × the
 * scaling factor), noised to the first timestep of the truncated schedule, and denoised from there. The generator
 * draws the encoder sample first, then the added noise.
 */
final class ImageToImage extends DiffusionPipeline {

    ImageToImage(StableDiffusion model) {
        super(model);
    }

    /** diffusers' get_timesteps: the last {@code min(⌊N·strength⌋, N)} steps, sliced by the scheduler's order. */
    static float[] truncatedTimesteps(float[] all, int steps, double strength, int order) {
        int init = Math.min((int) (steps * strength), steps);
        int tStart = Math.max(steps - init, 0);
        return Arrays.copyOfRange(all, Math.min(tStart * order, all.length), all.length);
    }

    @Override
    Start prepare(NDManager m, GenerationRequest r, Scheduler scheduler, TorchGenerator generator, int w, int h) {
        float[] timesteps = truncatedTimesteps(scheduler.timesteps(), r.steps(), r.strength(), scheduler.order());
        if (timesteps.length == 0) {
            throw new IllegalArgumentException("strength " + r.strength() + " with " + r.steps()
                    + " steps leaves no denoising step; raise steps or strength");
        }
        BufferedImage init = r.initImage();
        if (init.getWidth() != w || init.getHeight() != h) {
            init = Resize.to(init, w, h);
        }
        try (NDScope s = new NDScope()) {
            NDArray image = VaeImageProcessor.preprocess(m, init);
            DiagonalGaussianDistribution dist = model.vae().encode(image, model.options().vaeTiling());
            NDArray sample = dist.sample(generator.randn(m, dist.mean().getShape()));
            NDArray latents = sample.mul(model.vae().config().scalingFactor());
            int b = r.batchSize();
            if (b > 1) {
                latents = latents.repeat(0, b);
            }
            NDArray noise = generator.randn(m, latents.getShape());
            NDArray noised = scheduler.addNoise(latents, noise, timesteps[0]);
            NDScope.unregister(noised);
            return new Start(noised, timesteps);
        }
    }
}
