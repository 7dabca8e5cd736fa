package dev.diffusion4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.diffusion4j.io.Png;
import dev.diffusion4j.io.SafeTensors;
import dev.diffusion4j.shapes.SceneMix;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainCommandTest {

    @TempDir
    Path dir;

    private static GenerateCommandTest.Run run(String... args) {
        return GenerateCommandTest.run(args);
    }

    @Test
    void missingDatasetFolderIsOneUsageLine() {
        GenerateCommandTest.Run r = run("train-vae", "--data", dir.resolve("nope").toString(), "-o",
                dir.resolve("out").toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().strip().startsWith("d4j: dataset folder not found"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    @Test
    void imagesWithoutCaptionsAreRefused() throws Exception {
        Path data = dir.resolve("data");
        Files.createDirectories(data);
        Files.copy(dev.diffusion4j.Fixtures.tinySd1().resolve("goldens/img2img_ddim.input.png"), data.resolve("a.png"));
        GenerateCommandTest.Run r = run("train-vae", "--data", data.toString(), "-o", dir.resolve("out").toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("a.png has no caption file a.txt"), r.err());
    }

    @Test
    void unwritableOutputFailsWithOneLine() throws Exception {
        Path file = Files.writeString(dir.resolve("file"), "x");
        GenerateCommandTest.Run r = run("train-vae", "--data", "shapes", "--resolution", "16", "--steps", "1",
                "-o", file.resolve("out").toString());
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("cannot create output folder"), r.err());
        assertTrue(!r.err().contains("\tat "), r.err());
    }

    @Test
    void resumingAMismatchedCheckpointOverwritesNothing() throws Exception {
        Path out = dir.resolve("vae");
        GenerateCommandTest.Run r = run("train-vae", "--data", "shapes", "--resolution", "16", "--steps", "2",
                "--batch", "2", "--channels", "8,16", "--norm-groups", "4", "-o", out.toString());
        assertEquals(0, r.code(), r.err());
        Path ckpt = out.resolve("checkpoint.safetensors");
        byte[] before = Files.readAllBytes(ckpt);
        r = run("train-vae", "--data", "shapes", "--resolution", "16", "--steps", "4", "--batch", "2",
                "--channels", "8,8", "--norm-groups", "4", "-o", out.toString(), "--resume");
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("does not match this run"), r.err());
        assertArrayEquals(before, Files.readAllBytes(ckpt));
        r = run("train-vae", "--data", "shapes", "--resolution", "16", "--steps", "4", "--batch", "2",
                "--channels", "8,16", "--norm-groups", "4", "-o", out.toString());
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("pass --resume"), r.err());
        assertArrayEquals(before, Files.readAllBytes(ckpt));
    }

    @Test
    void unknownReconstructionLossIsOneUsageLine() {
        GenerateCommandTest.Run r = run("train-vae", "--data", "shapes", "--rec-loss", "huber", "-o", dir.toString());
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("--rec-loss") && r.err().contains("huber"), r.err());
    }

    @Test
    void sceneMixIsCheckedAndOnlyForShapes() throws Exception {
        GenerateCommandTest.Run r = run("train-vae", "--data", "shapes", "--scene-mix", "single=1,count=2", "-o",
                dir.toString());
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("--scene-mix") && r.err().contains("'count=2'"), r.err());
        Path data = Files.createDirectories(dir.resolve("folder"));
        r = run("train-vae", "--data", data.toString(), "--scene-mix", "single=1", "-o", dir.resolve("o").toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--scene-mix applies to --data shapes only"), r.err());
        GenerateCommandTest.Run h = run("train", "--help");
        assertEquals(0, h.code(), h.err());
        String help = h.out().replaceAll("\\s+", "");
        assertTrue(help.contains(SceneMix.DEFAULT.toString()), "help states the real default: " + help);
    }

    @Test
    void badTrainingNumbersAreUsageErrors() {
        GenerateCommandTest.Run r = run("train-vae", "--data", "shapes", "--steps", "0", "-o", dir.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--steps must be ≥ 1"), r.err());
        r = run("train", "--data", "shapes", "--vae", dir.toString(), "--steps", "10", "--lr-decay", "11",
                "-o", dir.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--lr-decay must be in [0, --steps = 10], got 11"), r.err());
        r = run("train", "--data", "shapes", "--vae", dir.toString(), "--zero-terminal-snr", "-o", dir.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().strip().startsWith("d4j: --zero-terminal-snr needs --prediction-type v_prediction"),
                r.err());
        r = run("train", "--data", "shapes", "--vae", dir.toString(), "--prediction-type", "sample", "-o",
                dir.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--prediction-type must be epsilon or v_prediction, got sample"), r.err());
        r = run("train", "--data", "shapes", "--vae", dir.toString(), "--contrastive-loss", "-0.1", "-o",
                dir.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--contrastive-loss must be 0 (off) or a positive weight, got -0.1"), r.err());
        r = run("train", "--data", "shapes", "--vae", dir.toString(), "--contrastive-batch", "1", "-o",
                dir.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--contrastive-batch must be at least 2, got 1"), r.err());
    }

    @Test
    void trainsExportsADiffusersModelThatGeneratesAndContinuesFromIt() throws Exception {
        Path vae = dir.resolve("vae");
        GenerateCommandTest.Run r = run("train-vae", "--data", "shapes", "--resolution", "16", "--steps", "2",
                "--batch", "2", "--channels", "8,16", "--norm-groups", "4", "-o", vae.toString());
        assertEquals(0, r.code(), r.err());
        Path ldm = dir.resolve("ldm");
        String[] tiny = {"--data", "shapes", "--resolution", "16", "--steps", "2", "--batch", "2",
                "--unet-channels", "16,32", "--heads", "2", "--text-hidden", "16", "--text-layers", "1",
                "--sample-every", "0", "--vae", vae.resolve("vae").toString(),
                "--tokenizer", dev.diffusion4j.Fixtures.tinySd1().resolve("tokenizer").toString()};
        r = run(concat(new String[] {"train", "-o", ldm.toString()}, tiny));
        assertEquals(0, r.code(), r.err());
        Path model = ldm.resolve("model");
        assertTrue(Files.exists(model.resolve("model_index.json")));
        // diffusers hands num_train_timesteps to torch.linspace, which accepts only an integer
        String scheduler = Files.readString(model.resolve("scheduler/scheduler_config.json"));
        assertTrue(scheduler.contains("\"num_train_timesteps\": 1000,"), scheduler);
        // a resumed run with no steps left re-exports its last checkpoint
        deleteTree(model);
        r = run(concat(new String[] {"train", "-o", ldm.toString(), "--resume"}, tiny));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("none left to run"), r.err());
        assertTrue(Files.exists(model.resolve("unet/diffusion_pytorch_model.safetensors")));
        Path png = dir.resolve("out.png");
        r = run("generate", "-m", model.toString(), "-p", "a red circle", "--steps", "2", "-o", png.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(Png.readText(png).get("parameters").contains("Sampler: DPM++ 2M"));

        // continue the model as v-prediction on a zero-terminal-SNR schedule, with the contrastive caption loss: the
        // export says so and still samples
        Path more = dir.resolve("more");
        r = run(concat(new String[] {"train", "-o", more.toString(), "--init-from", model.toString(),
            "--prediction-type", "v_prediction", "--zero-terminal-snr", "--contrastive-loss", "0.1",
            "--contrastive-batch", "3"}, tiny));
        assertEquals(0, r.code(), r.err());
        String vScheduler = Files.readString(more.resolve("model/scheduler/scheduler_config.json"));
        assertTrue(vScheduler.contains("\"prediction_type\": \"v_prediction\"")
                && vScheduler.contains("\"rescale_betas_zero_snr\": true"), vScheduler);
        r = run("generate", "-m", more.resolve("model").toString(), "-p", "a red circle", "--steps", "2", "-o",
                png.toString());
        assertEquals(0, r.code(), r.err());
        // resuming it as ε-prediction would silently change what the network means
        byte[] before = Files.readAllBytes(more.resolve("checkpoint.safetensors"));
        String[] longer = tiny.clone();
        longer[Arrays.asList(longer).indexOf("--steps") + 1] = "4";
        r = run(concat(new String[] {"train", "-o", more.toString(), "--resume"}, longer));
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("checkpoint objective does not match this run (checkpoint: v_prediction, zero "
                + "terminal SNR, this run: epsilon)"), r.err());
        assertArrayEquals(before, Files.readAllBytes(more.resolve("checkpoint.safetensors")));

        // --reinit-text-encoder keeps the UNet it starts from and draws the text encoder afresh (one step at a
        // learning rate too small to move either; another seed, since the model's own was drawn from seed 0 and
        // trained only two steps)
        Path fresh = dir.resolve("fresh");
        String[] oneStep = tiny.clone();
        oneStep[Arrays.asList(oneStep).indexOf("--steps") + 1] = "1";
        r = run(concat(new String[] {"train", "-o", fresh.toString(), "--init-from", model.toString(),
            "--reinit-text-encoder", "--lr", "1e-9", "--seed", "5"}, oneStep));
        assertEquals(0, r.code(), r.err());
        String unet = "unet/diffusion_pytorch_model.safetensors";
        String te = "text_encoder/model.safetensors";
        String key = "text_model.encoder.layers.0.mlp.fc1.weight";
        assertTrue(maxAbsDiff(model.resolve(unet), fresh.resolve("model").resolve(unet), "conv_in.weight") < 1e-3);
        assertTrue(maxAbsDiff(model.resolve(te), fresh.resolve("model").resolve(te), key) > 0.05);
        r = run("train", "--data", "shapes", "--vae", dir.toString(), "--reinit-text-encoder", "-o", dir.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--reinit-text-encoder needs --init-from"), r.err());
    }

    private static double maxAbsDiff(Path a, Path b, String name) throws IOException {
        try (SafeTensors x = SafeTensors.open(a, false); SafeTensors y = SafeTensors.open(b, false)) {
            float[] u = x.floats(name);
            float[] v = y.floats(name);
            double max = 0;
            for (int i = 0; i < u.length; i++) {
                max = Math.max(max, Math.abs(u[i] - v[i]));
            }
            return max;
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (var paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
