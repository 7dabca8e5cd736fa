package dev.diffusion4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;
import dev.diffusion4j.nn.Parameter;
import dev.diffusion4j.tensor.Engines;
import dev.diffusion4j.tensor.Tensors;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** AdamW against a plain-Java transcription of Loshchilov & Hutter's algorithm 2, and its non-finite-gradient skip. */
class AdamWTest {

    private static final float B1 = 0.9f;
    private static final float B2 = 0.999f;
    private static final float EPS = 1e-8f;
    private static final float DECAY = 0.01f;

    private ContrastiveAlignment module;
    private NDManager m;
    private Map<String, Parameter> params;
    private AdamW adam;

    /** A small module's parameters, each needing a gradient, under AdamW. */
    @BeforeEach
    void setUp() {
        Engines.start(1);
        module = ContrastiveAlignment.random(4, 8, 16, 1f, 2, 5);
        m = NDManager.newBaseManager();
        params = new LinkedHashMap<>(module.namedParameters());
        params.values().forEach(p -> p.array().setRequiresGradient(true));
        adam = new AdamW(params, B1, B2, EPS, DECAY);
    }

    @AfterEach
    void tearDown() {
        m.close();
        module.close();
    }

    /** Sets each parameter's gradient to {@code grads[i]} through backward of Σ_i ⟨w_i, grads_i⟩. */
    private void backward(List<float[]> grads) {
        try (NDScope s = new NDScope(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray loss = null;
            int i = 0;
            for (Parameter p : params.values()) {
                NDArray term = p.array().mul(Tensors.of(m, grads.get(i++), p.shape())).sum();
                loss = loss == null ? term : loss.add(term);
            }
            gc.backward(loss);
        }
    }

    private List<float[]> randomGrads(Random r) {
        List<float[]> out = new ArrayList<>();
        for (Parameter p : params.values()) {
            float[] g = new float[Math.toIntExact(p.shape().size())];
            for (int j = 0; j < g.length; j++) g[j] = (float) r.nextGaussian();
            out.add(g);
        }
        return out;
    }

    @Test
    void twoStepsMatchTheAlgorithm() {
        Random r = new Random(1);
        List<float[]> w = new ArrayList<>();
        params.values().forEach(p -> w.add(p.array().toFloatArray()));
        List<double[]> mom = new ArrayList<>();
        List<double[]> vel = new ArrayList<>();
        w.forEach(a -> {
            mom.add(new double[a.length]);
            vel.add(new double[a.length]);
        });
        float[] lrs = {1e-2f, 3e-3f};
        for (int t = 1; t <= 2; t++) {
            List<float[]> g = randomGrads(r);
            backward(g);
            adam.step(lrs[t - 1], 0);
            for (int i = 0; i < w.size(); i++) {
                float[] wi = w.get(i);
                for (int j = 0; j < wi.length; j++) {
                    double gj = g.get(i)[j];
                    mom.get(i)[j] = B1 * mom.get(i)[j] + (1 - B1) * gj;
                    vel.get(i)[j] = B2 * vel.get(i)[j] + (1 - B2) * gj * gj;
                    double mHat = mom.get(i)[j] / (1 - Math.pow(B1, t));
                    double vHat = vel.get(i)[j] / (1 - Math.pow(B2, t));
                    double lr = lrs[t - 1];
                    wi[j] = (float) (wi[j] - lr * DECAY * wi[j] - lr * mHat / (Math.sqrt(vHat) + EPS));
                }
            }
        }
        int i = 0;
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            assertArrayEquals(w.get(i++), e.getValue().array().toFloatArray(), 1e-6f, e.getKey());
        }
        assertEquals(0, adam.skippedSteps());
        assertEquals(List.of(), adam.nonFiniteParameters());
    }

    @Test
    void aNonFiniteGradientSkipsTheUpdateAndNamesEveryParameterWithOne() {
        List<String> names = new ArrayList<>(params.keySet());
        assertTrue(names.size() >= 4, names.toString());
        List<float[]> before = new ArrayList<>();
        params.values().forEach(p -> before.add(p.array().toFloatArray()));
        List<float[]> g = randomGrads(new Random(2));
        g.get(1)[0] = Float.NaN;
        g.get(3)[g.get(3).length - 1] = Float.POSITIVE_INFINITY;
        backward(g);

        float norm = adam.step(1e-2f, 1f);

        assertTrue(Float.isNaN(norm) || Float.isInfinite(norm), "norm " + norm);
        assertEquals(List.of(names.get(1), names.get(3)), adam.nonFiniteParameters());
        assertEquals(1, adam.skippedSteps());
        int i = 0;
        for (Parameter p : params.values()) {
            assertArrayEquals(before.get(i++), p.array().toFloatArray(), 0f, "weights must not move");
            float[] grad = p.array().getGradient().toFloatArray();
            assertArrayEquals(new float[grad.length], grad, 0f, "gradients must be reset");
        }
        for (NDArray moment : adam.state().values()) {
            assertArrayEquals(new float[Math.toIntExact(moment.size())], moment.toFloatArray(), 0f,
                    "moments must not move");
        }
    }
}
