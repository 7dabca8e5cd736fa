package dev.diffusion4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.DataType;
import dev.diffusion4j.io.ModelDirectory;
import dev.diffusion4j.io.SafeTensors;
import dev.diffusion4j.nn.WeightSource;
import dev.diffusion4j.shapes.ShapesWorld;
import dev.diffusion4j.vae.AutoencoderKL;
import dev.diffusion4j.vae.AutoencoderKLConfig;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VaeTrainerTest {

    @TempDir
    Path dir;

    /** Coloured rectangles on black: a stand-in dataset independent of ShapesWorld. */
    static TrainingData boxes(long seed) {
        return new TrainingData() {
            @Override
            public Example get(long index) {
                Random r = new Random(seed * 31 + index);
                BufferedImage img = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
                Graphics2D g = img.createGraphics();
                g.setColor(new Color(r.nextInt(0xffffff)));
                g.fillRect(r.nextInt(8), r.nextInt(8), 4 + r.nextInt(8), 4 + r.nextInt(8));
                g.dispose();
                return new Example(img, "a box");
            }

            @Override
            public long size() {
                return Long.MAX_VALUE;
            }

            @Override
            public String describe() {
                return "boxes";
            }
        };
    }

    static AutoencoderKLConfig tiny() {
        return new AutoencoderKLConfig(3, 3, 4, new int[] {8, 16}, 1, 4, 1f, 16);
    }

    static TrainOptions options(Path out, int steps, boolean resume) {
        return new TrainOptions(out, steps, 8, 2e-3f, 0, 0, 0f, 1f, 0.9f, 1, 5, 0, resume);
    }

    @Test
    void lossDecreasesAndTheExportLoadsAsADiffusersVae() throws Exception {
        List<Float> losses = new ArrayList<>();
        TrainingListener l = listener(losses);
        VaeTrainer.Result r = VaeTrainer.train(tiny(), boxes(1), boxes(2), 16, 1e-6f, options(dir, 30, false), l);
        double first = losses.subList(0, 5).stream().mapToDouble(Float::doubleValue).average().orElseThrow();
        double last = losses.subList(25, 30).stream().mapToDouble(Float::doubleValue).average().orElseThrow();
        assertTrue(last < first * 0.8, "L1 loss should fall: first " + first + ", last " + last);
        assertTrue(Double.isFinite(r.psnr()) && r.psnr() > 5, "psnr " + r.psnr());
        Path vae = dir.resolve("vae");
        AutoencoderKLConfig cfg = AutoencoderKLConfig.read(vae.resolve("config.json"));
        assertEquals(r.scalingFactor(), cfg.scalingFactor(), 1e-6);
        try (SafeTensors st = SafeTensors.open(vae.resolve("diffusion_pytorch_model.safetensors"));
             AutoencoderKL loaded = AutoencoderKL.load(cfg, WeightSource.of(st), DataType.FLOAT32)) {
            assertTrue(loaded.parameterCount() > 0);
        }
    }

    @Test
    void resumeContinuesAndARerunWithoutResumeRefusesToOverwrite() throws Exception {
        VaeTrainer.train(tiny(), boxes(1), boxes(2), 16, 1e-6f, options(dir, 5, false), listener(new ArrayList<>()));
        long before = Files.getLastModifiedTime(dir.resolve("checkpoint.safetensors")).toMillis();
        IOException e = assertThrows(IOException.class, () -> VaeTrainer.train(tiny(), boxes(1), boxes(2), 16, 1e-6f,
                options(dir, 5, false), listener(new ArrayList<>())));
        assertTrue(e.getMessage().contains("--resume"), e.getMessage());
        assertEquals(before, Files.getLastModifiedTime(dir.resolve("checkpoint.safetensors")).toMillis());

        List<Float> losses = new ArrayList<>();
        VaeTrainer.train(tiny(), boxes(1), boxes(2), 16, 1e-6f, options(dir, 8, true), listener(losses));
        assertEquals(3, losses.size(), "a resumed run continues from step 5 to 8");

        AutoencoderKLConfig other = new AutoencoderKLConfig(3, 3, 4, new int[] {8, 8}, 1, 4, 1f, 16);
        e = assertThrows(IOException.class, () -> VaeTrainer.train(other, boxes(1), boxes(2), 16, 1e-6f,
                options(dir, 10, true), listener(new ArrayList<>())));
        assertTrue(e.getMessage().contains("does not match"), e.getMessage());
    }

    static TrainingListener listener(List<Float> losses) {
        return new TrainingListener() {
            @Override
            public void onStep(long step, long total, float loss) {
                losses.add(loss);
            }

            @Override
            public void onMessage(String message) {
            }
        };
    }
}
