package dev.diffusion4j.pipelines;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.diffusion4j.Fixtures;
import dev.diffusion4j.TinySd1;
import dev.diffusion4j.io.ModelDirectory;
import dev.diffusion4j.models.LoadOptions;
import dev.diffusion4j.models.ModelSpec;
import dev.diffusion4j.tensor.Engines;
import org.junit.jupiter.api.Test;

class FreeParamsImmediatelyTest {

    @Test
    void oneShotGenerationIsIdenticalAndThenRefusesClearly() throws Exception {
        Engines.start(0);
        GenerationRequest r = GenerationRequest.builder("a photo of a cat").steps(3).seed(5).size(32, 32)
                .build();
        float[] reference = TinySd1.model().generate(r, GenerationListener.NONE).pixels();
        ModelSpec spec = ModelSpec.open(ModelDirectory.open(Fixtures.tinySd1(), "tiny-sd1"));
        try (StableDiffusion sd = StableDiffusion.load(spec, LoadOptions.defaults().withFreeParamsImmediately(true),
                done -> { })) {
            assertArrayEquals(reference, sd.generate(r, GenerationListener.NONE).pixels());
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> sd.generate(r, GenerationListener.NONE));
            assertTrue(e.getMessage().contains("text encoder weights were freed"), e.getMessage());
        }
    }
}
