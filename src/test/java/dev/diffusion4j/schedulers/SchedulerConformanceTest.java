package dev.diffusion4j.schedulers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.diffusion4j.Fixtures;
import dev.diffusion4j.random.TorchGenerator;
import dev.diffusion4j.tensor.Engines;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every {@code scheduler} and {@code scheduler_tables} case of the tiny-sd1 goldens and every {@code scheduler} case
 * of samplers2 (diffusers 0.25.1).
 */
class SchedulerConformanceTest {

    @BeforeAll
    static void engine() {
        Engines.start(0);
    }

    /** tiny-sd1's cases and the second sampler set's (samplers2, on the same model). */
    static List<Fixtures.Case> cases() {
        List<Fixtures.Case> all = new ArrayList<>(Fixtures.cases("tiny-sd1", "scheduler"));
        all.addAll(Fixtures.cases("samplers2", "scheduler"));
        String only = System.getProperty("d4j.cases");
        return only == null ? all : all.stream().filter(c -> c.name().matches(only)).toList();
    }

    /** The case's full effective config, as diffusers printed it. */
    static SchedulerConfig configOf(Fixtures.Case c) {
        JsonObject o = c.params().getAsJsonObject("config").deepCopy();
        o.addProperty("_class_name", c.params().get("class").getAsString());
        return SchedulerConfig.parse(o.toString(), c.name());
    }

    static Scheduler schedulerOf(Fixtures.Case c) {
        SchedulerConfig config = configOf(c);
        JsonElement eta = c.params().get("eta");
        if (eta != null && !eta.isJsonNull()) {
            return new DDIMScheduler(config, eta.getAsDouble());
        }
        return Samplers.fromConfig(config);
    }

    @Test
    void betasAndAlphasCumprodAreBitExact() {
        Fixtures.Case c = Fixtures.cases("tiny-sd1", "scheduler_tables").get(0);
        JsonObject o = c.params().getAsJsonObject("config").deepCopy();
        o.addProperty("_class_name", "DDIMScheduler");
        SchedulerConfig config = SchedulerConfig.parse(o.toString(), c.name());
        float[] betas = NoiseSchedule.betas(config);
        float[] alphasCumprod = NoiseSchedule.alphasCumprod(betas);
        c.check("betas", betas);
        c.check("alphas_cumprod", alphasCumprod);
        assertArrayEquals(c.expected("betas").toFloats(), betas);
        assertArrayEquals(c.expected("alphas_cumprod").toFloats(), alphasCumprod);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesDiffusers(Fixtures.Case c) {
        JsonObject p = c.params();
        try (NDManager manager = NDManager.newBaseManager();
             Scheduler s = schedulerOf(c)) {
            s.setTimesteps(p.get("num_inference_steps").getAsInt());
            float[] timesteps = s.timesteps();
            c.check("timesteps", timesteps);
            if (c.expected().has("sigmas")) {
                float[] sigmas = ((SigmaSchedule) s).sigmas();
                c.check("sigmas", sigmas);
            }
            assertEquals(p.get("init_noise_sigma").getAsFloat(), s.initNoiseSigma(), c.name() + " init_noise_sigma");
            assertEquals(p.get("order").getAsInt(), s.order(), c.name() + " order");

            float[] sample0 = c.input("sample0").toFloats();
            Shape shape = new Shape(c.input("sample0").shape());
            float[] modelOutputs = c.input("model_outputs").toFloats();
            float[] wantScaled = c.expected("scaled_model_inputs").toFloats();
            float[] wantPrev = c.expected("prev_samples").toFloats();
            assertEquals(timesteps.length * sample0.length, modelOutputs.length, c.name() + " model calls");
            JsonElement seed = p.get("generator_seed");
            TorchGenerator generator = seed == null || seed.isJsonNull() ? null : new TorchGenerator(seed.getAsLong());

            NDArray x = manager.create(sample0, shape);
            for (int i = 0; i < timesteps.length; i++) {
                float t = timesteps[i];
                try (NDArray scaled = s.scaleModelInput(x, t);
                     NDArray eps = manager.create(slice(modelOutputs, i, sample0.length), shape)) {
                    c.checkAgainst("scaled_model_inputs",
                            slice(wantScaled, i, sample0.length), scaled.toFloatArray());
                    StepOutput out = s.step(eps, t, x, generator);
                    x.close();
                    if (out.predOriginalSample() != null) {
                        out.predOriginalSample().close();
                    }
                    x = out.prevSample();
                    c.checkAgainst("prev_samples", slice(wantPrev, i, sample0.length),
                            x.toFloatArray());
                }
            }
            x.close();

            try (Scheduler fresh = schedulerOf(c)) {
                fresh.setTimesteps(p.get("num_inference_steps").getAsInt());
                float t = fresh.timesteps()[10 * fresh.order()];
                assertEquals(p.getAsJsonArray("add_noise_timestep").get(0).getAsFloat(), t, c.name() + " add_noise t");
                try (NDArray sample = manager.create(sample0, shape);
                     NDArray original = sample.div(fresh.initNoiseSigma());
                     NDArray noise = manager.create(c.input("add_noise_noise").toFloats(), shape);
                     NDArray noisy = fresh.addNoise(original, noise, t)) {
                    c.check("add_noise", noisy.toFloatArray());
                }
            }
            assertEquals(0, manager.getManagedArrays().size(), c.name() + ": arrays left in the manager");
        }
    }


    static float[] slice(float[] all, int i, int size) {
        return Arrays.copyOfRange(all, i * size, (i + 1) * size);
    }
}
