package dev.diffusion4j.cli;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad {@code train}, {@code train-vae} and {@code eval} arguments are usage errors (exit 2) found before anything
 * loads: one line naming the flag and its allowed range, no stack trace, nothing written. The VAE and model folders
 * given do not exist, so a check that ran only after loading would fail differently.
 */
class TrainingArgumentsTest {

    @TempDir
    Path dir;

    private void refused(String expected, String... args) {
        GenerateCommandTest.Run r = GenerateCommandTest.run(args);
        String err = r.err().strip();
        assertAll(String.join(" ", args),
                () -> assertEquals(2, r.code(), err),
                () -> assertEquals(1, err.lines().count(), err),
                () -> assertTrue(err.startsWith("d4j: "), err),
                () -> assertTrue(err.contains(expected), "expected '" + expected + "' in: " + err),
                () -> assertFalse(err.contains("\tat "), err));
    }

    private String[] train(String... extra) {
        List<String> a = new ArrayList<>(List.of("train", "--data", "shapes", "--vae", dir.resolve("no-vae").toString(),
                "-o", dir.resolve("out").toString()));
        a.addAll(List.of(extra));
        return a.toArray(String[]::new);
    }

    private String[] trainVae(String... extra) {
        List<String> a = new ArrayList<>(List.of("train-vae", "--data", "shapes", "-o", dir.resolve("out").toString()));
        a.addAll(List.of(extra));
        return a.toArray(String[]::new);
    }

    private String[] eval(String... extra) {
        List<String> a = new ArrayList<>(List.of("eval", "-m", dir.resolve("no-model").toString(), "-o",
                dir.resolve("grid.png").toString()));
        a.addAll(List.of(extra));
        return a.toArray(String[]::new);
    }

    @Test
    void trainSizesThatOnceDividedByZero() {
        refused("--heads must be in [1, 64], got 0", train("--heads", "0"));
        refused("--unet-channels entries must be in [1, 4096], got [0, 0, 0]", train("--unet-channels", "0,0,0"));
        refused("--unet-channels [64, 130, 128]: 130 is not divisible by --heads 4",
                train("--unet-channels", "64,130,128"));
        refused("--unet-channels [64, 100, 128]: 100 is not divisible by the GroupNorm groups, min(32, first level "
                + "/ 2) = 32", train("--unet-channels", "64,100,128"));
        refused("--unet-channels must start with at least 2 channels", train("--unet-channels", "1,2", "--heads", "1"));
        refused("--unet-channels must list 1 to 6 levels, got 7", train("--unet-channels", "8,8,8,8,8,8,8"));
        refused("--text-hidden 30 is not divisible by --heads 4", train("--text-hidden", "30"));
        refused("--text-layers must be in [1, 48], got 0", train("--text-layers", "0"));
        refused("--unet-layers must be in [1, 8], got -1", train("--unet-layers", "-1"));
        refused("--uncond-prob must be in [0, 1], got 1.5", train("--uncond-prob", "1.5"));
        refused("--contrastive-batch must be in [2, 4096], got 100000", train("--contrastive-batch", "100000"));
    }

    @Test
    void trainVaeSizes() {
        refused("--channels entries must be in [1, 4096], got [0]", trainVae("--channels", "0"));
        refused("--channels [32, 40]: 40 is not divisible by --norm-groups 16", trainVae("--channels", "32,40"));
        refused("--norm-groups must be in [1, 4096], got 0", trainVae("--norm-groups", "0"));
        refused("--latent-channels must be in [1, 64], got 0", trainVae("--latent-channels", "0"));
        refused("--layers-per-block must be in [1, 8], got 0", trainVae("--layers-per-block", "0"));
        refused("--kl-weight must be in [0, 1], got NaN", trainVae("--kl-weight", "NaN"));
        refused("--resolution must be a multiple of 16 for the 5 levels of --channels, got 24",
                trainVae("--channels", "16,16,16,16,16", "--resolution", "24"));
    }

    @Test
    void resolutionAndBatchAreBoundedBeforeAnyArrayIsSized() {
        // 100000² overflowed an int: "d4j: -129542144"
        refused("--resolution must be a multiple of 8 in [16, 4096], got 100000", train("--resolution", "100000"));
        refused("--resolution must be a multiple of 8 in [16, 4096], got 100000", trainVae("--resolution", "100000"));
        refused("--batch 4096 at --resolution 2048 is 192.0 GiB of input images alone (at most 1 GiB)",
                trainVae("--batch", "4096", "--resolution", "2048"));
    }

    @Test
    void threadsMustBePositiveAndBounded() {
        int max = 4 * Runtime.getRuntime().availableProcessors();
        String range = "-t/--threads must be in [1, " + max + "]";
        refused(range, train("-t", "0"));
        refused(range, trainVae("--threads", "-3"));
        refused(range + " (4 × " + max / 4 + " cores; leave it out to use every core), got 100000",
                trainVae("-t", "100000"));
        refused(range, eval("-t", "100000"));
    }

    @Test
    void evalSettingsAreUsageErrorsBeforeTheModelLoads() {
        refused("--steps must be in [1, 1000], got 0", eval("--steps", "0"));
        refused("--sampler: ", eval("--sampler", "bogus"));
        refused("bogus", eval("--sampler", "bogus"));
        refused("--cfg-scale must be in [0, 100], got Infinity", eval("--cfg-scale", "Infinity"));
        assertFalse(Files.exists(dir.resolve("grid.png")));
    }

    @Test
    void resumeWithoutACheckpointIsRefusedNamingTheFolder() throws Exception {
        Path out = dir.resolve("out");
        refused("--resume: no checkpoint to continue in " + out, trainVae("--resume"));
        assertFalse(Files.exists(out), "nothing is created for a refused run");
        // a folder with an export but no checkpoint: training from step 0 would replace the export
        Path model = Files.createDirectories(out.resolve("model"));
        byte[] index = "{}".getBytes();
        Files.write(model.resolve("model_index.json"), index);
        refused("refusing to train from step 0 over its model/", train("--resume"));
        assertArrayEquals(index, Files.readAllBytes(model.resolve("model_index.json")));
    }

    @Test
    void aNewRunDoesNotReplaceAnotherRunsResults() throws Exception {
        Path out = Files.createDirectories(dir.resolve("out"));
        Path vae = Files.createDirectories(out.resolve("vae"));
        Files.writeString(vae.resolve("config.json"), "{}");
        refused(out + " already holds a trained vae/ (without a checkpoint to --resume): choose another --output",
                trainVae());
        byte[] ckpt = {1, 2, 3};
        Files.write(out.resolve("checkpoint.safetensors"), ckpt);
        refused("checkpoint.safetensors already exists: pass --resume to continue it, or choose another --output",
                trainVae());
        refused("pass --resume", train());
        assertArrayEquals(ckpt, Files.readAllBytes(out.resolve("checkpoint.safetensors")));
        assertEquals("{}", Files.readString(vae.resolve("config.json")));
        Path file = Files.writeString(dir.resolve("file"), "x");
        refused("--output " + file + " is a file, not a folder", "train-vae", "--data", "shapes", "-o",
                file.toString());
    }
}
