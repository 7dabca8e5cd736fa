package dev.diffusion4j.pipelines;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.diffusion4j.TinySd1;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Guidance as two UNet calls on two threads must give what one batched call gives (up to float rounding). */
class SplitGuidanceTest {

    @AfterEach
    void auto() {
        DiffusionPipeline.splitGuidance = null;
    }

    @ParameterizedTest(name = "{0}, batch {1}")
    @CsvSource({"euler_a, 1", "dpm++2m, 2"})
    void twoThreadsMatchOneBatchedCall(String sampler, int batch) {
        GenerationRequest r = GenerationRequest.builder("a photo of a cat", "a dog").negativePrompt("blurry")
                .steps(4).seed(42).sampler(sampler).imagesPerPrompt(batch).guidanceRescale(0.5).build();
        DiffusionPipeline.splitGuidance = false;
        float[] batched = TinySd1.model().generate(r, GenerationListener.NONE).pixels();
        DiffusionPipeline.splitGuidance = true;
        float[] split = TinySd1.model().generate(r, GenerationListener.NONE).pixels();
        assertEquals(batched.length, split.length);
        double worst = 0;
        for (int i = 0; i < split.length; i++) {
            worst = Math.max(worst, Math.abs(split[i] - batched[i]));
        }
        assertTrue(worst < 1e-4, sampler + ": max pixel difference " + worst);
    }
}
