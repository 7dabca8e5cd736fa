package dev.diffusion4j.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import dev.diffusion4j.io.Json;
import dev.diffusion4j.io.SafeTensors;
import dev.diffusion4j.nn.WeightSource;
import dev.diffusion4j.random.TorchGenerator;
import dev.diffusion4j.tensor.Engines;
import dev.diffusion4j.vae.AutoencoderKL;
import dev.diffusion4j.vae.AutoencoderKLConfig;
import dev.diffusion4j.vae.DiagonalGaussianDistribution;
import dev.diffusion4j.vae.VaeImageProcessor;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Trains an AutoencoderKL as in the LDM paper (Rombach et al. 2022, §3 and App. G): L1 reconstruction of a sample of
 * the posterior plus a small KL pull towards N(0, 1). Writes checkpoints to resume from and, at the end, the EMA
 * weights as a diffusers {@code vae/} folder whose {@code scaling_factor} is 1/σ of the trained latents.
 */
public final class VaeTrainer {

    /** Outcome: held-out PSNR (dB) of the exported weights, the scaling factor, steps run by this call, seconds. */
    public record Result(double psnr, float scalingFactor, long steps, double seconds) {}

    private VaeTrainer() {}

    public static Result train(AutoencoderKLConfig config, TrainingData data, TrainingData heldOut, int resolution,
                               float klWeight, TrainOptions o, TrainingListener listener) throws IOException {
        return train(config, data, heldOut, resolution, klWeight, ReconstructionLoss.L1, o, listener);
    }

    public static Result train(AutoencoderKLConfig config, TrainingData data, TrainingData heldOut, int resolution,
                               float klWeight, ReconstructionLoss recLoss, TrainOptions o, TrainingListener listener)
            throws IOException {
        Engines.start(0);
        String configJson = config.toJson().toString();
        Path ckpt = o.checkpointFile();
        Trainers.prepareOutput(o);
        long t0 = System.nanoTime();
        try (AutoencoderKL vae = AutoencoderKL.random(config, DataType.FLOAT32, o.seed());
             TrainState state = new TrainState(vae.namedParameters(), o);
             NDManager m = NDManager.newBaseManager()) {
            long start = 0;
            if (o.resume() && Files.exists(ckpt)) {
                try (NDManager cm = NDManager.newBaseManager()) {
                    Checkpoint c = Checkpoint.load(ckpt, cm);
                    c.requireMatching(ckpt, "vae_config", configJson);
                    state.restore(c);
                    start = c.step();
                }
                listener.onMessage("resumed from " + ckpt + " at step " + start);
            }
            int pixels = 3 * resolution * resolution;
            for (long step = start + 1; step <= o.steps(); step++) {
                float loss;
                try (NDScope s = new NDScope()) {
                    Batch b = Batch.load(m, data, (step - 1) * o.batch(), o.batch(), resolution);
                    TorchGenerator g = new TorchGenerator(o.seed() * 1_000_003L + step);
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        DiagonalGaussianDistribution d = vae.encode(b.images());
                        NDArray z = d.sample(g.randn(m, d.mean().getShape()));
                        NDArray rec = recLoss.of(vae.decode(z), b.images());
                        NDArray total = rec.add(d.kl().mean().mul(klWeight / pixels));
                        gc.backward(total);
                        loss = rec.getFloat();
                    }
                    state.step(o, step, listener);
                }
                listener.onStep(step, o.steps(), loss);
                if (step % o.checkpointEvery() == 0 || step == o.steps()) {
                    Checkpoint.save(ckpt, state.tensors(), Map.of("step", Long.toString(step), "vae_config", configJson,
                            "trainer", "train-vae"));
                }
            }
            // export the EMA weights, with the scaling factor that gives the latents unit variance
            try (AutoencoderKL ema = AutoencoderKL.load(config, WeightSource.of("ema", state.ema.weights()),
                    DataType.FLOAT32)) {
                float scaling = latentScale(ema, data, resolution, m);
                AutoencoderKLConfig exported = new AutoencoderKLConfig(config.inChannels(), config.outChannels(),
                        config.latentChannels(), config.blockOutChannels(), config.layersPerBlock(),
                        config.normNumGroups(), scaling, config.sampleSize());
                Path dir = o.output().resolve("vae");
                Files.createDirectories(dir);
                SafeTensors.write(dir.resolve("diffusion_pytorch_model.safetensors"), state.ema.weights(),
                        Map.of("format", "pt"));
                Json.write(dir.resolve("config.json"), exported.toJson());
                double psnr = psnr(ema, heldOut, resolution, m);
                listener.onMessage(String.format("exported %s (scaling_factor %.5f, held-out PSNR %.2f dB)", dir,
                        scaling, psnr));
                return new Result(psnr, scaling, Math.max(0, o.steps() - start), (System.nanoTime() - t0) / 1e9);
            }
        }
    }

    /** 1/σ of posterior means over 256 training images (the LDM paper's rescaling of the latent space). */
    static float latentScale(AutoencoderKL vae, TrainingData data, int resolution, NDManager m) {
        double sum = 0;
        double sq = 0;
        long n = 0;
        for (int i = 0; i < 256; i += 32) {
            try (NDScope s = new NDScope()) {
                float[] z = vae.encode(Batch.load(m, data, i, 32, resolution).images()).mean().toFloatArray();
                for (float v : z) {
                    sum += v;
                    sq += (double) v * v;
                }
                n += z.length;
            }
        }
        double mean = sum / n;
        return (float) (1 / Math.sqrt(sq / n - mean * mean));
    }

    /** Reconstructions (posterior mean, decoded) of examples {@code 0 .. count-1} as 8-bit images. */
    public static List<BufferedImage> reconstructions(AutoencoderKL vae, TrainingData data, int count,
                                                      int resolution) {
        List<BufferedImage> out = new ArrayList<>();
        try (NDManager m = NDManager.newBaseManager()) {
            for (int i = 0; i < count; i += 16) {
                try (NDScope s = new NDScope()) {
                    NDArray x = Batch.load(m, data, i, Math.min(16, count - i), resolution).images();
                    out.addAll(VaeImageProcessor.images(vae.decode(vae.encode(x).mean())));
                }
            }
        }
        return out;
    }

    /** Mean PSNR (dB, images in [0, 1]) of reconstructions from the posterior mean over 64 held-out images. */
    public static double psnr(AutoencoderKL vae, TrainingData heldOut, int resolution, NDManager m) {
        double total = 0;
        int count = 0;
        for (int i = 0; i < 64; i += 16) {
            try (NDScope s = new NDScope()) {
                NDArray x = Batch.load(m, heldOut, i, 16, resolution).images();
                NDArray r = vae.decode(vae.encode(x).mean()).clip(-1f, 1f);
                float[] mse = r.sub(x).div(2f).square().reshape(x.getShape().get(0), -1).mean(new int[] {1}).toFloatArray();
                for (float e : mse) {
                    total += 10 * Math.log10(1 / Math.max(e, 1e-10));
                    count++;
                }
            }
        }
        return total / count;
    }
}
