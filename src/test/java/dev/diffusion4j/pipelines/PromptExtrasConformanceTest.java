package dev.diffusion4j.pipelines;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.diffusion4j.Fixtures;
import dev.diffusion4j.TinySd1;
import dev.diffusion4j.text.PromptSyntax;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * sd1-extras' {@code lora}, {@code embeddings} and {@code prompt_syntax} cases through the Java API, A1111 prompt
 * syntax being the default: the conditioning (cond / uncond, where stored, of each case's own length) and the image.
 * The LoRA cases run on the shared tiny-sd1 model one after another, so they also switch LoRAs in place.
 */
class PromptExtrasConformanceTest {

    static List<Fixtures.Case> cases() {
        return Fixtures.cases("sd1-extras", "lora", "embeddings", "prompt_syntax");
    }

    /** The case's request: its LoRAs, embeddings folder, syntax and A1111 clip skip (1 = the last layer). */
    static GenerationRequest request(Fixtures.Case c) throws Exception {
        JsonObject p = c.params();
        GenerationRequest.Builder b = PipelineConformanceTest.builder(c);
        if (p.has("loras")) {
            for (JsonElement l : p.getAsJsonArray("loras")) {
                JsonObject o = l.getAsJsonObject();
                b.lora(c.dir().resolve(o.get("file").getAsString()), o.get("weight").getAsDouble());
            }
        }
        if (p.has("embeddings_dir")) {
            b.embeddingsDir(c.dir().resolve(p.get("embeddings_dir").getAsString()));
        }
        if (p.has("prompt_syntax")) {
            b.promptSyntax(PromptSyntax.parse(p.get("prompt_syntax").getAsString()));
        }
        if (p.has("clip_skip")) {
            b.clipSkip(p.get("clip_skip").getAsInt() - 1);
        }
        return b.build();
    }

    @AfterAll
    static void withoutLoras() throws Exception {
        TinySd1.model().useLoras(List.of());
    }

    @ParameterizedTest
    @MethodSource("cases")
    void matchesTheFixture(Fixtures.Case c) throws Exception {
        StableDiffusion model = TinySd1.model();
        GenerationRequest r = request(c);
        if (c.expected().has("cond")) {
            model.useLoras(r.allLoras());
            try (NDManager m = NDManager.newBaseManager()) {
                DiffusionPipeline.PromptEmbeds e = new TextToImage(model).encodePrompt(m, r);
                assertEquals(c.expected("cond").shape()[1], e.cond().getShape().get(1), c + ": cond length");
                assertEquals(c.expected("uncond").shape()[1], e.uncond().getShape().get(1), c + ": uncond length");
                checkEmbeds(c, "cond", TinySd1.floats(e.cond()));
                checkEmbeds(c, "uncond", TinySd1.floats(e.uncond()));
            }
        }
        GenerationResult result = model.generate(r, GenerationListener.NONE);
        c.check("image", result.pixels());
        c.checkPng("image_png", result.images().get(0));
    }

    /**
     * The manifest gives cond/uncond no tolerance of their own; they are the quantity the a1111_text_encoder cases
     * check ("embeds"), so they get that tolerance (torch's float32 sums and ours differ in the last bits).
     */
    private static Fixtures.Error checkEmbeds(Fixtures.Case c, String key, float[] actual) {
        JsonObject tol = Fixtures.cases("sd1-extras", "a1111_text_encoder").get(0).tolerance().getAsJsonObject("embeds");
        float[] want = c.expected(key).toFloats();
        assertEquals(want.length, actual.length, c + "/" + key + " size");
        Fixtures.Error e = Fixtures.Error.of(want, actual);
        assertTrue(e.maxAbs() <= tol.get("max_abs").getAsDouble() && e.relL2() <= tol.get("rel_l2").getAsDouble(),
                () -> c + "/" + key + ": " + e + " exceeds " + tol);
        return e;
    }
}
