package dev.diffusion4j.pipelines;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.diffusion4j.Fixtures;
import dev.diffusion4j.TinySd1;
import dev.diffusion4j.io.Npy;
import dev.diffusion4j.io.Png;
import dev.diffusion4j.random.TorchGenerator;
import dev.diffusion4j.schedulers.Sampler;
import dev.diffusion4j.schedulers.Samplers;
import dev.diffusion4j.schedulers.Scheduler;
import dev.diffusion4j.schedulers.SchedulerConfig;
import dev.diffusion4j.vae.VaeImageProcessor;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every txt2img / img2img case of tiny-sd1 and every txt2img case of samplers2, checked at each stored stage with the
 * manifest's tolerances ({@code -Dd4j.cases=REGEX} runs the cases whose name matches).
 */
class PipelineConformanceTest {

    /** tiny-sd1's cases and the second sampler set's txt2img cases (samplers2, on the same model). */
    static List<Fixtures.Case> cases() {
        List<Fixtures.Case> all = new ArrayList<>(Fixtures.cases("tiny-sd1", "txt2img", "img2img"));
        all.addAll(Fixtures.cases("samplers2", "txt2img"));
        String only = System.getProperty("d4j.cases");
        return only == null ? all : all.stream().filter(c -> c.name().matches(only)).toList();
    }

    /** The request diffusers ran: the sampler named by its class, from the model's own scheduler config. */
    static GenerationRequest request(Fixtures.Case c) throws Exception {
        JsonObject p = c.params();
        List<String> prompts = new ArrayList<>();
        JsonElement pe = p.get("prompt");
        if (pe.isJsonArray()) pe.getAsJsonArray().forEach(e -> prompts.add(e.getAsString()));
        else prompts.add(pe.getAsString());
        JsonObject sc = p.getAsJsonObject("scheduler_config").deepCopy();
        sc.addProperty("_class_name", p.get("scheduler_class").getAsString());
        SchedulerConfig config = SchedulerConfig.parse(sc.toString(), c.name());
        Sampler sampler = Samplers.forConfig(config);
        GenerationRequest.Builder b = GenerationRequest.builder(prompts.toArray(String[]::new))
                .size(p.get("width").getAsInt(), p.get("height").getAsInt())
                .steps(p.get("num_inference_steps").getAsInt())
                .guidanceScale(p.get("guidance_scale").getAsDouble())
                .sampler(sampler.name()).schedule(sampler.karras() ? "karras" : null)
                .timestepSpacing(sampler.scheduler().supportsTimestepSpacing() ? config.timestepSpacing() : null)
                .seed(p.get("seed").getAsLong());
        if (p.has("negative_prompt") && !p.get("negative_prompt").isJsonNull()) {
            b.negativePrompt(p.get("negative_prompt").getAsString());
        }
        if (c.kind().equals("img2img")) {
            b.initImage(Png.read(c.dir().resolve(c.inputs().get("image_png").getAsString())),
                    p.get("strength").getAsDouble());
        }
        return b.build();
    }

    @ParameterizedTest
    @MethodSource("cases")
    void matchesDiffusersAtEveryStage(Fixtures.Case c) throws Exception {
        StableDiffusion model = TinySd1.model();
        GenerationRequest r = request(c);
        try (NDManager m = NDManager.newBaseManager()) {
            DiffusionPipeline pipeline = c.kind().equals("txt2img") ? new TextToImage(model) : new ImageToImage(model);
            NDArray embeds = pipeline.encodePrompt(m, r);
            if (c.expected().has("prompt_embeds")) {
                check(c, "prompt_embeds", embeds);
            }

            try (Scheduler s = pipeline.scheduler(r)) {
                s.setTimesteps(r.steps());
                TorchGenerator g = new TorchGenerator(r.seed());
                DiffusionPipeline.Start start = pipeline.prepare(m, r, s, g, 64, 64);
                c.check("timesteps", start.timesteps());
                if (c.kind().equals("txt2img")) {
                    Npy.Array noise = c.input("initial_noise");
                    float[] drawn = new TorchGenerator(r.seed()).randn(noise.shape());
                    assertArrayEquals(noise.toFloats(), drawn, "initial noise must be torch's bit for bit");
                } else {
                    check(c, "preprocessed_image",
                            VaeImageProcessor.preprocess(m, r.initImage()));
                    TorchGenerator replay = new TorchGenerator(r.seed());
                    long[] shape = c.expected("encode_noise").shape();
                    c.check("encode_noise", replay.randn(shape));
                    c.check("add_noise_noise", replay.randn(shape));
                    check(c, "noised_latents", start.latents());
                }
            }

            List<float[]> latents = new ArrayList<>();
            float[][] firstOutput = new float[1][];
            GenerationResult result = model.generate(r, new GenerationListener() {
                @Override
                public void onStep(Step step) {
                    latents.add(TinySd1.floats(step.latents()));
                    if (step.index() == 0) {
                        firstOutput[0] = TinySd1.floats(step.unetOutput());
                    }
                }
            });
            if (c.expected().has("first_noise_pred")) {
                c.check("first_noise_pred", firstOutput[0]);
            }
            float[] all = concat(latents);
            c.check("latents_per_step", all);
            c.check("final_latents", latents.get(latents.size() - 1));
            c.check("image", result.pixels());
            checkPng(c, "image_png", result.images().get(0));
            if (c.expected().has("image_png_1")) {
                checkPng(c, "image_png_1", result.images().get(1));
            }
        }
    }

    private static Fixtures.Error check(Fixtures.Case c, String key, NDArray actual) {
        return c.check(key, TinySd1.floats(actual));
    }

    private static float[] concat(List<float[]> parts) {
        int n = parts.stream().mapToInt(a -> a.length).sum();
        float[] out = new float[n];
        int at = 0;
        for (float[] a : parts) {
            System.arraycopy(a, 0, out, at, a.length);
            at += a.length;
        }
        return out;
    }

    /** The manifest's PNG tolerance: every channel within 1, and ≥ 99% of them identical. */
    static void checkPng(Fixtures.Case c, String key, BufferedImage actual) throws Exception {
        String file = c.expected().get(key).getAsString();
        byte[] want = Png.toRgb(Png.read(c.dir().resolve(file)));
        byte[] got = Png.toRgb(actual);
        assertEquals(want.length, got.length, c.name() + "/" + key + " size");
        JsonObject tol = c.tolerance().getAsJsonObject("image_png");
        int maxAbs = 0;
        int exact = 0;
        for (int i = 0; i < want.length; i++) {
            int d = Math.abs((want[i] & 0xff) - (got[i] & 0xff));
            maxAbs = Math.max(maxAbs, d);
            if (d == 0) exact++;
        }
        double fraction = exact / (double) want.length;
        int maxAllowed = tol.get("max_abs_uint8").getAsInt();
        double minExact = tol.get("min_fraction_exact").getAsDouble();
        int worst = maxAbs;
        assertTrue(worst <= maxAllowed && fraction >= minExact,
                () -> c.name() + "/" + key + ": max diff " + worst + ", exact fraction " + fraction);
    }
}
