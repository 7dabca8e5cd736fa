package dev.diffusion4j.schedulers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.diffusion4j.random.TorchGenerator;
import dev.diffusion4j.tensor.Engines;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Sampling on a zero-terminal-SNR schedule with v-prediction (Lin et al. 2023): with an oracle model that returns the
 * exact v for a known x₀, every sampler must land on x₀. The oracle uses the schedule's true ᾱ (0 at t = T), the
 * samplers their finite stand-in 2⁻²⁴, so the test also checks that the first step survives σ_T.
 */
class ZeroTerminalSnrTest {

    @BeforeAll
    static void engine() {
        Engines.start(0);
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"DPMSolverMultistepScheduler, linspace", "DPMSolverMultistepScheduler, trailing",
        "DDIMScheduler, trailing", "EulerDiscreteScheduler, trailing"})
    void anExactVelocityOracleLandsOnItsCleanSample(String className, String spacing) {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("beta_start", 0.00085);
        values.put("beta_end", 0.012);
        values.put("beta_schedule", "scaled_linear");
        values.put("prediction_type", "v_prediction");
        values.put("rescale_betas_zero_snr", true);
        values.put("timestep_spacing", spacing);
        values.put("clip_sample", false); // DDIM's default would clip x₀ to [−1, 1]
        SchedulerConfig config = SchedulerConfig.of(className, values);
        float[] alphasCumprod = config.alphasCumprod();
        assertEquals(0f, alphasCumprod[alphasCumprod.length - 1], "zero terminal SNR: ᾱ_T = 0");
        Shape shape = new Shape(1, 4, 4, 4);
        try (NDManager m = NDManager.newBaseManager(); Scheduler s = Samplers.fromConfig(config)) {
            TorchGenerator g = new TorchGenerator(3);
            NDArray x0 = g.randn(m, shape).mul(0.8f);
            s.setTimesteps(20);
            float[] timesteps = s.timesteps();
            assertEquals(999f, timesteps[0], "the first step must be the pure-noise one");
            NDArray x = g.randn(m, shape).mul(s.initNoiseSigma());
            for (float t : timesteps) {
                // what a perfect model would say: ε from x_t = √ᾱ·x₀ + √(1−ᾱ)·ε, then v = √ᾱ·ε − √(1−ᾱ)·x₀
                double ab = alphasCumprod[Math.round(t)];
                NDArray xt = s.scaleModelInput(x, t);
                NDArray eps = xt.sub(x0.mul((float) Math.sqrt(ab))).div((float) Math.sqrt(1 - ab));
                NDArray v = eps.mul((float) Math.sqrt(ab)).sub(x0.mul((float) Math.sqrt(1 - ab)));
                x = s.step(v, t, x, g).prevSample();
            }
            float[] got = x.toFloatArray();
            float[] want = x0.toFloatArray();
            double worst = 0;
            for (int i = 0; i < got.length; i++) {
                assertTrue(Float.isFinite(got[i]), className + ": non-finite sample");
                worst = Math.max(worst, Math.abs(got[i] - want[i]));
            }
            // DPM-Solver (diffusers 0.25) stops at σ(t = 0) ≈ 0.029, not 0: what is left is that much noise
            assertTrue(worst < 0.15, className + " " + spacing + ": max |x − x₀| = " + worst);
        }
    }
}
