package dev.diffusion4j.pipelines;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.DataType;
import dev.diffusion4j.eval.PromptAdherence;
import dev.diffusion4j.io.ModelDirectory;
import dev.diffusion4j.tensor.Engines;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The model shipped in {@code models/d4j-shapes} loads with the normal loader and draws what it is asked. */
class DefaultModelTest {

    private static StableDiffusion sd;

    @BeforeAll
    static void load() throws IOException {
        Engines.start(0);
        sd = StableDiffusion.load(ModelDirectory.open(Path.of("models", "d4j-shapes"), "d4j-shapes"),
                DataType.FLOAT32);
        assertEquals(64, sd.nativeSize());
    }

    @AfterAll
    static void close() {
        sd.close();
    }

    /**
     * One prompt of each kind the model is scored on. The model-independent judge (colour segmentation, components,
     * shape descriptors) must accept at least three of four images: the shipped weights score 100% on held-out single
     * and position prompts and 77–85% on counting (MODEL_CARD.md), so a regression in what the model follows fails.
     */
    @ParameterizedTest
    @ValueSource(strings = {"a red circle", "a blue square on the right", "a yellow triangle at the top",
            "two green circles", "a purple circle and an orange square"})
    void shippedModelDrawsWhatThePromptSays(String prompt) {
        GenerationRequest r = GenerationRequest.builder(prompt).steps(20).seed(3).imagesPerPrompt(4).build();
        GenerationResult result = sd.generate(r, GenerationListener.NONE);
        assertEquals(4, result.images().size());
        assertEquals(64, result.images().get(0).getWidth());
        long passed = result.images().stream().filter(img -> PromptAdherence.judge(img, prompt).passed()).count();
        assertTrue(passed >= 3, passed + " of 4 images judged to show \"" + prompt + "\"");
    }
}
