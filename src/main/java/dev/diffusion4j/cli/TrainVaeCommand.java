package dev.diffusion4j.cli;

import ai.djl.ndarray.types.DataType;
import dev.diffusion4j.eval.PromptAdherence;
import dev.diffusion4j.nn.WeightSource;
import dev.diffusion4j.tensor.Engines;
import dev.diffusion4j.train.ReconstructionLoss;
import dev.diffusion4j.train.TrainingData;
import dev.diffusion4j.train.VaeTrainer;
import dev.diffusion4j.vae.AutoencoderKL;
import dev.diffusion4j.vae.AutoencoderKLConfig;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code d4j train-vae}: an AutoencoderKL from scratch; writes {@code OUTPUT/vae/} in diffusers layout. */
@Command(name = "train-vae", description = "Train an AutoencoderKL (reconstruction + KL) and export it as a diffusers vae/ folder.")
final class TrainVaeCommand implements Callable<Integer> {

    @Mixin
    TrainingCli common;

    @Option(names = "--channels", split = ",", defaultValue = "32,64,64",
            description = "block_out_channels; each level after the first halves the size (default: ${DEFAULT-VALUE}).")
    int[] channels;

    @Option(names = "--latent-channels", defaultValue = "4", description = "Latent channels (default: ${DEFAULT-VALUE}).")
    int latentChannels;

    @Option(names = "--layers-per-block", defaultValue = "1", description = "Resnets per level (default: ${DEFAULT-VALUE}).")
    int layersPerBlock;

    @Option(names = "--norm-groups", defaultValue = "16", description = "GroupNorm groups (default: ${DEFAULT-VALUE}).")
    int normGroups;

    @Option(names = "--kl-weight", defaultValue = "1e-6", description = "KL weight as in the LDM paper (default: ${DEFAULT-VALUE}).")
    float klWeight;

    @Option(names = "--rec-loss", defaultValue = "l1", description = "Pixel loss: l1 (the LDM paper's) or mse "
            + "(learns colours on sparse images much sooner; default: ${DEFAULT-VALUE}).")
    String recLoss;

    @Override
    public Integer call() throws IOException {
        ReconstructionLoss loss;
        try {
            loss = ReconstructionLoss.parse(recLoss);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--rec-loss: " + e.getMessage());
        }
        TrainingCli.requireRange("--norm-groups", normGroups, 1, TrainingCli.MAX_CHANNELS);
        TrainingCli.requireChannels("--channels", channels, "--norm-groups", normGroups);
        TrainingCli.requireRange("--latent-channels", latentChannels, 1, 64);
        TrainingCli.requireRange("--layers-per-block", layersPerBlock, 1, 8);
        TrainingCli.requireRange("--kl-weight", klWeight, 0, 1);
        AutoencoderKLConfig config;
        try {
            config = new AutoencoderKLConfig(3, 3, latentChannels, channels, layersPerBlock, normGroups, 1f,
                    common.resolution);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        TrainingData data = common.trainingData();
        common.requireHalvable(1, channels.length, "--channels");
        var options = common.options(VaeTrainer.EXPORT);
        Engines.start(common.threads());
        VaeTrainer.Result r = VaeTrainer.train(config, data, common.heldOut(data), common.resolution, klWeight,
                loss, options, TrainingCli.progress("train-vae"));
        if (common.data.equals("shapes")) {
            System.err.println(judgedReconstructions(common.output.resolve(VaeTrainer.EXPORT), common.heldOut(data)));
        }
        System.out.printf("%s%n", common.output.resolve(VaeTrainer.EXPORT).toAbsolutePath());
        System.err.printf("held-out PSNR %.2f dB, scaling_factor %.5f, %d steps in %s%n", r.psnr(), r.scalingFactor(),
                r.steps(), ProgressBar.format(r.seconds()));
        return 0;
    }

    /**
     * The evaluator's verdict on reconstructions of held-out renders against their captions: the ceiling for any
     * diffusion model trained on this VAE's latents, and blind to what PSNR hides (a lost colour on a mostly black
     * image still scores over 20 dB).
     */
    private String judgedReconstructions(Path vaeDir, TrainingData heldOut) throws IOException {
        AutoencoderKLConfig config = AutoencoderKLConfig.read(vaeDir.resolve("config.json"));
        int count = 128;
        try (AutoencoderKL vae = WeightSource.fromFile(vaeDir.resolve("diffusion_pytorch_model.safetensors"),
                w -> AutoencoderKL.load(config, w, DataType.FLOAT32))) {
            List<BufferedImage> images = VaeTrainer.reconstructions(vae, heldOut, count, common.resolution);
            int passed = 0;
            for (int i = 0; i < count; i++) {
                if (PromptAdherence.judge(images.get(i), heldOut.get(i).caption()).passed()) {
                    passed++;
                }
            }
            return String.format("held-out reconstructions that match their captions: %d/%d (%.1f%%)", passed, count,
                    100.0 * passed / count);
        }
    }
}
