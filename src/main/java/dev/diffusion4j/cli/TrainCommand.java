package dev.diffusion4j.cli;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonObject;
import dev.diffusion4j.eval.ImageGrid;
import dev.diffusion4j.io.Json;
import dev.diffusion4j.io.ModelDirectory;
import dev.diffusion4j.models.LoadOptions;
import dev.diffusion4j.models.ModelFamily;
import dev.diffusion4j.nn.WeightSource;
import dev.diffusion4j.pipelines.GenerationListener;
import dev.diffusion4j.pipelines.GenerationRequest;
import dev.diffusion4j.pipelines.GenerationResult;
import dev.diffusion4j.pipelines.StableDiffusion;
import dev.diffusion4j.schedulers.SchedulerConfig;
import dev.diffusion4j.tensor.Engines;
import dev.diffusion4j.text.ClipConditioner;
import dev.diffusion4j.text.ClipTextConfig;
import dev.diffusion4j.text.ClipTextModel;
import dev.diffusion4j.text.ClipTokenizer;
import dev.diffusion4j.train.Checkpoint;
import dev.diffusion4j.train.ContrastiveAlignment;
import dev.diffusion4j.train.DiffusionTrainer;
import dev.diffusion4j.train.LossWeighting;
import dev.diffusion4j.train.ModelExport;
import dev.diffusion4j.train.TrainOptions;
import dev.diffusion4j.train.TrainingData;
import dev.diffusion4j.train.TrainingListener;
import dev.diffusion4j.unet.UNet2DConditionConfig;
import dev.diffusion4j.unet.UNet2DConditionModel;
import dev.diffusion4j.vae.AutoencoderKL;
import dev.diffusion4j.vae.AutoencoderKLConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code d4j train}: text-conditional latent diffusion from scratch — the SD UNet classes in a small config and a
 * CLIP-architecture text encoder over the real CLIP tokenizer, against a VAE from {@code train-vae}. Exports
 * {@code OUTPUT/model/} (diffusers layout, EMA weights) at every checkpoint.
 */
@Command(name = "train", description = "Train a text-to-image latent diffusion model (UNet + text encoder).")
final class TrainCommand implements Callable<Integer> {

    static final List<String> SAMPLE_PROMPTS = List.of("a red circle", "a large blue square on the left",
            "two green triangles", "three yellow circles", "a purple square at the top",
            "a white circle to the left of an orange triangle", "a red square above a blue circle",
            "a green circle and a yellow square");

    @Mixin
    TrainingCli common;

    @Option(names = "--vae", required = true, description = "Trained VAE folder (config.json + weights).")
    Path vae;

    @Option(names = "--tokenizer", description = "CLIP tokenizer folder (default: the built-in model's).")
    Path tokenizer;

    @Option(names = "--unet-channels", split = ",", defaultValue = "64,128,128",
            description = "UNet block_out_channels (default: ${DEFAULT-VALUE}).")
    int[] unetChannels;

    @Option(names = "--unet-layers", defaultValue = "1",
            description = "Resnets per UNet level (default: ${DEFAULT-VALUE}).")
    int unetLayers;

    @Option(names = "--heads", defaultValue = "4", description = "Attention heads (default: ${DEFAULT-VALUE}).")
    int heads;

    @Option(names = "--text-hidden", defaultValue = "64",
            description = "Text encoder width (default: ${DEFAULT-VALUE}).")
    int textHidden;

    @Option(names = "--text-layers", defaultValue = "4",
            description = "Text encoder layers (default: ${DEFAULT-VALUE}).")
    int textLayers;

    @Option(names = "--uncond-prob", defaultValue = "0.1",
            description = "Caption dropout for CFG (default: ${DEFAULT-VALUE}).")
    float uncondProb;

    @Option(names = "--cache-latents", defaultValue = "0", description = "Encode this many examples once and cycle "
            + "through their latents instead of encoding every batch (0: off; default: ${DEFAULT-VALUE}).")
    int cacheLatents;

    @Option(names = "--snr-gamma", defaultValue = "0", description = "Min-SNR loss weighting γ, e.g. 5: weight each "
            + "sample by min(SNR, γ)/SNR, as diffusers' --snr_gamma (0: off, plain ε MSE; default: ${DEFAULT-VALUE}).")
    float snrGamma;

    @Option(names = "--debiased-loss", description = "Weight each sample by 1/√SNR (debiased estimation, as "
            + "sd-scripts' --debiased_estimation_loss): raises the high-noise steps where layout and counts are "
            + "decided; multiplies with --snr-gamma when both are given.")
    boolean debiasedLoss;

    @Option(names = "--prediction-type", defaultValue = "epsilon", description = "What the UNet learns to predict: "
            + "epsilon (the noise, as SD 1.x) or v_prediction (v = √ᾱ·ε − √(1−ᾱ)·x₀, as SD 2.x 768; diffusers' "
            + "--prediction_type; default: ${DEFAULT-VALUE}).")
    String predictionType;

    @Option(names = "--zero-terminal-snr", description = "Rescale the noise schedule so its last step is pure noise "
            + "(Lin et al. 2023; rescale_betas_zero_snr, sd-scripts' --zero_terminal_snr): sampling then cannot take "
            + "layout from the starting noise. Needs --prediction-type v_prediction.")
    boolean zeroTerminalSnr;

    @Option(names = "--contrastive-loss", defaultValue = "0", description = "Add CLIP's contrastive caption-latent "
            + "loss with this weight, e.g. 0.02, so the text encoder keeps apart every word that changes the image "
            + "(0: off; default: ${DEFAULT-VALUE}).")
    float contrastiveLoss;

    @Option(names = "--contrastive-batch", defaultValue = "256", description = "Caption-latent pairs per step for "
            + "--contrastive-loss, drawn apart from the diffusion batch (default: ${DEFAULT-VALUE}).")
    int contrastiveBatch;

    @Option(names = "--export-sampler", defaultValue = "DPMSolverMultistepScheduler",
            description = "Scheduler class written to the exported model (default: ${DEFAULT-VALUE}).")
    String exportScheduler;

    @Option(names = "--init-from", description = "Start from this diffusers model's UNet and text encoder (its "
            + "configs replace the size options) instead of random weights, e.g. to continue the built-in model.")
    Path initFrom;

    @Option(names = "--reinit-text-encoder", description = "With --init-from: keep its UNet but start its text "
            + "encoder (same config) from random weights, e.g. to relearn it with --contrastive-loss when it has "
            + "erased words the UNet should follow.")
    boolean reinitTextEncoder;

    @Option(names = "--export-dtype", defaultValue = "fp16", description = "Weight type of the exported model: fp16 "
            + "(half the size) or fp32 (default: ${DEFAULT-VALUE}).")
    String exportDtype;

    @Override
    public Integer call() throws IOException {
        DataType storeType = switch (exportDtype) {
            case "fp16" -> DataType.FLOAT16;
            case "fp32" -> DataType.FLOAT32;
            default -> throw new UsageException("--export-dtype must be fp16 or fp32, got " + exportDtype);
        };
        LossWeighting weighting;
        try {
            weighting = new LossWeighting(snrGamma, debiasedLoss);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        if (!predictionType.equals("epsilon") && !predictionType.equals("v_prediction")) {
            throw new UsageException("--prediction-type must be epsilon or v_prediction, got " + predictionType);
        }
        if (zeroTerminalSnr && !predictionType.equals("v_prediction")) {
            throw new UsageException("--zero-terminal-snr needs --prediction-type v_prediction: the last step is pure "
                    + "noise, where predicting ε says nothing about the image");
        }
        if (contrastiveLoss < 0 || !Float.isFinite(contrastiveLoss)) {
            throw new UsageException("--contrastive-loss must be 0 (off) or a positive weight, got " + contrastiveLoss);
        }
        if (contrastiveBatch < 2) {
            throw new UsageException("--contrastive-batch must be at least 2, got " + contrastiveBatch);
        }
        if (reinitTextEncoder && initFrom == null) {
            throw new UsageException("--reinit-text-encoder needs --init-from (without it both models start random)");
        }
        if (cacheLatents < 0) {
            throw new UsageException("--cache-latents must be 0 (off) or a number of examples, got " + cacheLatents);
        }
        TrainingData data = common.trainingData();
        TrainOptions options = common.options();
        Path tok = tokenizer != null ? tokenizer : DefaultModel.home().resolve("models").resolve(DefaultModel.NAME)
                .resolve("tokenizer");
        if (!Files.isDirectory(vae)) {
            throw new UsageException("--vae folder not found: " + vae);
        }
        Engines.start(common.threads);
        AutoencoderKLConfig vaeConfig = AutoencoderKLConfig.read(vae.resolve("config.json"));
        if (common.resolution % vaeConfig.scaleFactor() != 0) {
            throw new UsageException("--resolution " + common.resolution + " is not a multiple of the VAE's scale "
                    + "factor " + vaeConfig.scaleFactor());
        }
        UNet2DConditionConfig unetConfig;
        ClipTextConfig textConfig;
        try {
            if (initFrom != null) {
                unetConfig = UNet2DConditionConfig.read(initFrom.resolve("unet/config.json"));
                textConfig = ClipTextConfig.read(initFrom.resolve("text_encoder/config.json"));
            } else {
                unetConfig = unetConfig(vaeConfig);
                textConfig = new ClipTextConfig(49408, textHidden, textHidden * 4, textLayers, heads, 77, "gelu",
                        1e-5f, 2);
            }
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        Map<String, Object> schedule = new LinkedHashMap<>(); // written in this order
        schedule.put("num_train_timesteps", 1000);
        schedule.put("beta_start", 0.00085);
        schedule.put("beta_end", 0.012);
        schedule.put("beta_schedule", "scaled_linear");
        schedule.put("prediction_type", predictionType);
        if (zeroTerminalSnr) {
            schedule.put("rescale_betas_zero_snr", true);
        }
        SchedulerConfig noise = SchedulerConfig.of("DDPMScheduler", schedule);
        SchedulerConfig exported = noise.fromConfig(exportScheduler, Map.of());
        ClipTokenizer tokenizer = ClipTokenizer.load(tok);
        try (AutoencoderKL vaeModel = loadVae(vaeConfig);
             UNet2DConditionModel unet = initFrom != null
                     ? WeightSource.fromFile(initFrom.resolve("unet/diffusion_pytorch_model.safetensors"),
                             w -> UNet2DConditionModel.load(unetConfig, w, DataType.FLOAT32))
                     : UNet2DConditionModel.random(unetConfig, DataType.FLOAT32, common.seed);
             ClipTextModel te = initFrom != null && !reinitTextEncoder
                     ? WeightSource.fromFile(initFrom.resolve("text_encoder/model.safetensors"),
                             w -> ClipTextModel.load(textConfig, w, DataType.FLOAT32))
                     : ClipTextModel.random(textConfig, DataType.FLOAT32, common.seed + 1);
             ContrastiveAlignment align = contrastiveLoss == 0 ? null : ContrastiveAlignment.random(
                     vaeConfig.latentChannels(), common.resolution / vaeConfig.scaleFactor(), textConfig.hiddenSize(),
                     contrastiveLoss, contrastiveBatch, common.seed + 2)) {
            Map<String, String> meta = Map.of("unet_config", unetConfig.toJson().toString(),
                    "text_encoder_config", textConfig.toJson().toString());
            Path modelDir = common.output.resolve("model");
            StableDiffusion live = new StableDiffusion("training", ModelFamily.SD1, new ClipConditioner(tokenizer, te), unet,
                    vaeModel, exported, LoadOptions.defaults());
            TrainingListener progress = TrainingCli.progress("train");
            DiffusionTrainer.Result r = DiffusionTrainer.train(
                    new DiffusionTrainer.Models(unet, te, tokenizer, vaeModel, noise, align), data, common.resolution,
                    uncondProb, cacheLatents, weighting, options, meta, progress, step -> {
                        export(options, unetConfig, textConfig, tok, exported, modelDir, storeType);
                        if (step == options.steps() || (common.sampleEvery > 0 && step % common.sampleEvery == 0)) {
                            samples(live, common.output.resolve(String.format("samples-%06d.png", step)));
                            progress.onMessage("step " + step + ": exported " + modelDir + ", samples written");
                        }
                    });
            if (r.steps() == 0) {
                // a resumed run with no steps left: re-export its last checkpoint (a run that trained exported it
                // in the checkpoint callback of its last step)
                export(options, unetConfig, textConfig, tok, exported, modelDir, storeType);
            }
            System.out.println(modelDir.toAbsolutePath());
            System.err.printf("%d steps in %s%s%n", r.steps(), ProgressBar.format(r.seconds()),
                    r.steps() == 0 ? " (none left to run: re-exported the checkpoint)"
                            : String.format(", final loss %.4f", r.finalLoss()));
        }
        return 0;
    }

    private UNet2DConditionConfig unetConfig(AutoencoderKLConfig vaeConfig) {
        int n = unetChannels.length;
        JsonObject o = new JsonObject();
        o.add("block_out_channels", Json.array(unetChannels));
        o.addProperty("layers_per_block", unetLayers);
        o.addProperty("attention_head_dim", heads);
        o.addProperty("cross_attention_dim", textHidden);
        o.addProperty("in_channels", vaeConfig.latentChannels());
        o.addProperty("out_channels", vaeConfig.latentChannels());
        o.addProperty("sample_size", common.resolution / vaeConfig.scaleFactor());
        o.addProperty("norm_num_groups", Math.min(32, unetChannels[0] / 2));
        String[] down = new String[n];
        String[] up = new String[n];
        for (int i = 0; i < n; i++) {
            down[i] = i < n - 1 ? "CrossAttnDownBlock2D" : "DownBlock2D";
            up[i] = i == 0 ? "UpBlock2D" : "CrossAttnUpBlock2D";
        }
        o.add("down_block_types", Json.array(down));
        o.add("up_block_types", Json.array(up));
        return UNet2DConditionConfig.from(o);
    }

    private AutoencoderKL loadVae(AutoencoderKLConfig config) throws IOException {
        return WeightSource.fromFile(vae.resolve("diffusion_pytorch_model.safetensors"),
                w -> AutoencoderKL.load(config, w, DataType.FLOAT32));
    }

    private void export(TrainOptions o, UNet2DConditionConfig unetConfig, ClipTextConfig textConfig, Path tok,
                        SchedulerConfig scheduler, Path modelDir, DataType storeType) {
        try (NDManager m = NDManager.newBaseManager()) {
            Checkpoint c = Checkpoint.load(o.checkpointFile(), m);
            var ema = DiffusionTrainer.emaWeights(c);
            ModelExport.write(modelDir, unetConfig, ema.get("unet"), textConfig, ema.get("text_encoder"), tok, vae,
                    scheduler, storeType);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A grid of the sample prompts from the current (not averaged) weights, 20 steps, fixed seed. */
    private static void samples(StableDiffusion live, Path file) {
        GenerationRequest r = GenerationRequest.builder(SAMPLE_PROMPTS.toArray(String[]::new)).steps(20).seed(0)
                .build();
        GenerationResult result = live.generate(r, GenerationListener.NONE);
        try {
            ImageGrid.write(file, result.images(), SAMPLE_PROMPTS, 4);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
