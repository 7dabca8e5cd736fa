package dev.diffusion4j.pipelines;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.diffusion4j.random.TorchGenerator;
import dev.diffusion4j.schedulers.Scheduler;
import dev.diffusion4j.tensor.Ops;
import dev.diffusion4j.tensor.Precision;
import dev.diffusion4j.tensor.Tensors;
import dev.diffusion4j.vae.DiagonalGaussianDistribution;
import dev.diffusion4j.vae.MaskProcessor;
import dev.diffusion4j.vae.VaeImageProcessor;

/**
 * diffusers' StableDiffusionInpaintPipeline (0.25.1). A 9-channel inpainting UNet sees {@code [latents, mask,
 * masked-image latents]} at every step; a plain 4-channel UNet sees the latents alone, and after each step the kept
 * area (mask black) is reset to the init image's latents noised to the next timestep. The schedule is truncated by
 * the strength as for img2img; at strength 1 the latents start from pure noise. The result is not pasted back over
 * the original. Generator order: the init image's encoder sample (when a plain UNet or strength &lt; 1 needs it),
 * the noise, then the masked image's encoder sample.
 */
final class Inpaint extends DiffusionPipeline {

    private Scheduler scheduler;
    private NDArray mask;
    private NDArray maskedImageLatents;
    private NDArray imageLatents;
    private NDArray noise;

    Inpaint(StableDiffusion model) {
        super(model);
    }

    private boolean nineChannels() {
        return model.unet().config().inChannels() == 9;
    }

    @Override
    Start prepare(NDManager m, GenerationRequest r, Scheduler s, TorchGenerator generator, int w, int h) {
        int channels = model.unet().config().inChannels();
        if (channels != 4 && channels != 9) {
            throw new IllegalArgumentException("inpainting needs a UNet with 4 or 9 input channels, this one has "
                    + channels);
        }
        scheduler = s;
        // 4. timesteps, truncated by the strength as img2img's
        float[] timesteps = ImageToImage.truncatedTimesteps(s.timesteps(), r.steps(), r.strength(), s.order());
        if (timesteps.length == 0) {
            throw new IllegalArgumentException("strength " + r.strength() + " with " + r.steps()
                    + " steps leaves no denoising step; raise steps or strength");
        }
        boolean strengthMax = r.strength() == 1.0;
        int b = r.batchSize();
        int f = model.vaeScaleFactor();
        try (NDScope scope = new NDScope()) {
            // 5. preprocess the image and the mask
            NDArray image = VaeImageProcessor.preprocess(m, MaskProcessor.resize(r.initImage(), w, h));
            NDArray maskCondition = MaskProcessor.preprocessMask(m, r.mask(), w, h);
            // 6. latents: noise, or the image latents noised to the first timestep
            if (!nineChannels() || !strengthMax) {
                imageLatents = batch(encode(m, image, generator), b);
            }
            Shape shape = new Shape(b, model.vae().config().latentChannels(), h / f, w / f);
            noise = generator.randn(m, shape);
            NDArray latents = strengthMax ? noise.mul(s.initNoiseSigma())
                    : s.addNoise(imageLatents, noise, timesteps[0]);
            // 7. the mask at latent size and the latents of the image with the repainted area blacked out
            NDArray masked = image.mul(Precision.cast(maskCondition.lt(0.5f).toType(DataType.FLOAT32, false),
                    Precision.dtypeOf(image)));
            mask = batch(nearest(m, maskCondition, h / f, w / f), b);
            maskedImageLatents = batch(encode(m, masked, generator), b);
            for (NDArray kept : new NDArray[] {latents, mask, maskedImageLatents, imageLatents, noise}) {
                if (kept != null) {
                    NDScope.unregister(kept);
                }
            }
            return new Start(latents, timesteps);
        }
    }

    /** diffusers' _encode_vae_image: a sample of the latent distribution times the scaling factor. */
    private NDArray encode(NDManager m, NDArray image, TorchGenerator generator) {
        DiagonalGaussianDistribution dist = model.vae().encode(image);
        return dist.sample(generator.randn(m, dist.mean().getShape())).mul(model.vae().config().scalingFactor());
    }

    private static NDArray batch(NDArray x, int b) {
        return b > 1 ? x.repeat(0, b) : x;
    }

    /**
     * torch's {@code interpolate(mode="nearest")}: output index i reads input index min(⌊i·in/out⌋, in − 1), the
     * scale computed in float as torch does.
     */
    static NDArray nearest(NDManager m, NDArray mask, int outH, int outW) {
        Shape s = mask.getShape();
        int inH = (int) s.get(2);
        int inW = (int) s.get(3);
        float[] in = mask.toFloatArray();
        float[] out = new float[outH * outW];
        float sh = (float) inH / outH;
        float sw = (float) inW / outW;
        for (int y = 0; y < outH; y++) {
            int sy = Math.min((int) Math.floor(y * sh), inH - 1);
            for (int x = 0; x < outW; x++) {
                int sx = Math.min((int) Math.floor(x * sw), inW - 1);
                out[y * outW + x] = in[sy * inW + sx];
            }
        }
        return Tensors.of(m, out, new Shape(1, 1, outH, outW));
    }

    @Override
    NDArray unetInput(NDArray scaled) {
        if (!nineChannels()) {
            return scaled;
        }
        long copies = scaled.getShape().get(0) / mask.getShape().get(0);
        NDArray maskIn = copies > 1 ? Ops.cat(0, mask, mask) : mask;
        NDArray imageIn = copies > 1 ? Ops.cat(0, maskedImageLatents, maskedImageLatents) : maskedImageLatents;
        return Ops.cat(1, scaled, maskIn, imageIn);
    }

    @Override
    NDArray afterStep(NDArray latents, int i, float[] timesteps) {
        if (nineChannels()) {
            return latents;
        }
        NDArray proper = i < timesteps.length - 1 ? scheduler.addNoise(imageLatents, noise, timesteps[i + 1])
                : imageLatents;
        return proper.mul(mask.neg().add(1f)).add(latents.mul(mask));
    }
}
