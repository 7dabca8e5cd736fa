package dev.diffusion4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.diffusion4j.TinySd1;
import dev.diffusion4j.nn.Parameter;
import dev.diffusion4j.tensor.Tensors;
import dev.diffusion4j.text.ClipTextConfig;
import dev.diffusion4j.text.ClipTextModel;
import dev.diffusion4j.text.ClipTokenizer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ContrastiveAlignmentTest {

    @Test
    void identicalCaptionsShareTheirTargetsEvenly() {
        float[] t = ContrastiveAlignment.targets(List.of("a", "b", "a", "c", "a"));
        float third = 1f / 3;
        assertArrayEquals(new float[] {
            third, 0, third, 0, third,
            0, 1, 0, 0, 0,
            third, 0, third, 0, third,
            0, 0, 0, 1, 0,
            third, 0, third, 0, third}, t, 0f);
    }

    @Test
    void symmetricCrossEntropyMatchesAPlainJavaReference() {
        List<String> captions = List.of("x", "y", "x", "z");
        int n = captions.size();
        float[] logits = new float[n * n];
        Random r = new Random(3);
        for (int i = 0; i < logits.length; i++) logits[i] = (float) (r.nextGaussian() * 4);
        float[] t = ContrastiveAlignment.targets(captions);
        double expected = 0;
        for (int i = 0; i < n; i++) {
            double rowMax = Double.NEGATIVE_INFINITY;
            double colMax = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < n; j++) {
                rowMax = Math.max(rowMax, logits[i * n + j]);
                colMax = Math.max(colMax, logits[j * n + i]);
            }
            double rowSum = 0;
            double colSum = 0;
            for (int j = 0; j < n; j++) {
                rowSum += Math.exp(logits[i * n + j] - rowMax);
                colSum += Math.exp(logits[j * n + i] - colMax);
            }
            for (int j = 0; j < n; j++) {
                // row i of the text → image logits, and column i (latent i against every caption)
                expected -= t[i * n + j] * (logits[i * n + j] - rowMax - Math.log(rowSum));
                expected -= t[j * n + i] * (logits[j * n + i] - colMax - Math.log(colSum));
            }
        }
        expected /= 2 * n;
        try (NDManager m = NDManager.newBaseManager()) {
            float got = ContrastiveAlignment.symmetricCrossEntropy(Tensors.of(m, logits, new Shape(n, n)),
                    Tensors.of(m, t, new Shape(n, n))).getFloat();
            assertEquals(expected, got, 1e-5);
        }
    }

    /**
     * Captions that differ only in "left"/"right", paired with latents whose blob sits on that side. A text encoder
     * that cannot tell the two words apart gives each caption four equally good latents (its two copies and the two
     * of the other side), which bounds the loss below by ln 4 ≈ 1.39; ln 2 ≈ 0.69 is the floor once it can. Training
     * encoder and head on this loss alone must get well under ln 4.
     */
    @Test
    void trainingOnItTeachesTheTextEncoderWordsThatOnlyThePictureShows() {
        List<String> captions = new ArrayList<>();
        for (String colour : List.of("red", "blue")) {
            for (String side : List.of("left", "right")) {
                captions.add("a " + colour + " circle on the " + side);
                captions.add("a " + colour + " circle on the " + side);
            }
        }
        int n = captions.size();
        float[] latents = new float[n * 4 * 8 * 8];
        Random r = new Random(5);
        for (int i = 0; i < n; i++) {
            int channel = captions.get(i).contains("red") ? 0 : 1;
            int x0 = captions.get(i).endsWith("left") ? 0 : 4;
            for (int c = 0; c < 4; c++) {
                for (int y = 0; y < 8; y++) {
                    for (int x = 0; x < 8; x++) {
                        float blob = c == channel && x >= x0 && x < x0 + 4 && y >= 2 && y < 6 ? 1f : 0f;
                        latents[((i * 4 + c) * 8 + y) * 8 + x] = blob + (float) r.nextGaussian() * 0.1f;
                    }
                }
            }
        }
        ClipTokenizer tok = TinySd1.tokenizer();
        long[] ids = new long[n * tok.maxLength()];
        for (int i = 0; i < n; i++) {
            System.arraycopy(tok.inputIds(captions.get(i)), 0, ids, i * tok.maxLength(), tok.maxLength());
        }
        ClipTextConfig config = new ClipTextConfig(49408, 16, 32, 1, 2, 77, "gelu", 1e-5f, 2);
        try (ClipTextModel te = ClipTextModel.random(config, DataType.FLOAT32, 1);
             ContrastiveAlignment align = ContrastiveAlignment.random(4, 8, 16, 1f, n, 2);
             NDManager m = NDManager.newBaseManager()) {
            Map<String, Parameter> params = new LinkedHashMap<>();
            te.namedParameters().forEach((k, p) -> params.put("te." + k, p));
            align.namedParameters().forEach((k, p) -> params.put("align." + k, p));
            params.values().forEach(p -> p.array().setRequiresGradient(true));
            AdamW adam = new AdamW(params, 0.9f, 0.999f, 1e-8f, 0f);
            NDArray z = Tensors.of(m, latents, new Shape(n, 4, 8, 8));
            NDArray tokens = Tensors.of(m, ids, new Shape(n, tok.maxLength()));
            float first = Float.NaN;
            float last = Float.NaN;
            for (int step = 0; step < 120; step++) {
                try (NDScope s = new NDScope();
                     GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray loss = align.loss(te.forward(tokens, 0).pooled(), z, captions);
                    gc.backward(loss);
                    last = loss.getFloat();
                    if (step == 0) first = last;
                }
                adam.step(1e-2f, 1f);
            }
            assertTrue(first > Math.log(4), "an untrained encoder cannot match: first loss " + first);
            assertTrue(last < 1.0, "left and right should be told apart: loss " + first + " → " + last
                    + " (ln 4 = 1.39 without them, ln 2 = 0.69 at best)");
        }
    }
}
