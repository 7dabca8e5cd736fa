package dev.diffusion4j.pipelines;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import ai.djl.ndarray.types.DataType;
import dev.diffusion4j.Fixtures;
import dev.diffusion4j.TinySd1;
import dev.diffusion4j.io.ModelDirectory;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A long-lived model switching LoRAs: LoRA A, then none, in one model gives the image a freshly loaded model gives,
 * bit for bit (Model.restore puts the loaded weights back, and the conditioner's cache is cleared).
 */
class LoraSwitchTest {

    private static GenerationRequest.Builder request() {
        return GenerationRequest.builder("a (red:1.2) fox in the snow").negativePrompt("blurry").size(64, 64)
                .steps(4).sampler("euler").seed(5);
    }

    @Test
    void loraThenNoneEqualsAFreshModel() throws Exception {
        StableDiffusion shared = TinySd1.model();
        GenerationResult withA = shared.generate(request()
                .lora(Fixtures.root().resolve("sd1-extras/files/lora-a.safetensors"), 1.0).build(), GenerationListener.NONE);
        assertEquals("lora-a: 5b183041166f", withA.parameters().get("Lora hashes"));
        GenerationResult none = shared.generate(request().build(), GenerationListener.NONE);
        assertFalse(Arrays.equals(withA.pixels(), none.pixels()), "the LoRA changes the image");
        float[] fresh;
        try (StableDiffusion other = StableDiffusion.load(ModelDirectory.open(Fixtures.tinySd1(), "tiny-sd1"),
                DataType.FLOAT32)) {
            fresh = other.generate(request().build(), GenerationListener.NONE).pixels();
        }
        assertArrayEquals(fresh, none.pixels());
        assertEquals(List.of(), List.copyOf(shared.unet().patched()));
    }
}
