package dev.diffusion4j.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonElement;
import dev.diffusion4j.Fixtures;
import dev.diffusion4j.TinySd1;
import dev.diffusion4j.TinySdxl;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** SDXL's encode_prompt: two tokenizers and encoders, penultimate layers concatenated, pooled from the second. */
class SdxlConditionerTest {

    static List<Fixtures.Case> cases() {
        return Fixtures.cases("tiny-sdxl", "sdxl_encode_prompt");
    }

    private static Conditioner conditioner() {
        return TinySdxl.model().conditioner();
    }

    @ParameterizedTest
    @MethodSource("cases")
    void matchesDiffusers(Fixtures.Case c) {
        String prompt = c.params().get("prompt").getAsString();
        JsonElement p2 = c.params().get("prompt_2");
        String negative = c.params().get("negative_prompt").getAsString();
        try (NDManager m = NDManager.newBaseManager()) {
            Conditioning cond = conditioner().encode(m, List.of(prompt),
                    p2.isJsonNull() ? null : List.of(p2.getAsString()), PromptOptions.plain(0));
            Conditioning uncond = conditioner().encode(m, List.of(negative), 0);
            assertEquals(new Shape(1, 77, 64), cond.context().getShape());
            c.check("prompt_embeds", TinySd1.floats(cond.context()));
            c.check("pooled_prompt_embeds", TinySd1.floats(cond.pooled()));
            c.check("negative_prompt_embeds", TinySd1.floats(uncond.context()));
            c.check("negative_pooled_prompt_embeds", TinySd1.floats(uncond.pooled()));
        }
    }

    @Test
    void withoutANegativePromptTheUnconditionalIsZeros() {
        try (NDManager m = NDManager.newBaseManager()) {
            Conditioning cond = conditioner().encode(m, List.of("a", "b"), 0);
            Conditioning zeros = conditioner().unconditional(m, cond, PromptOptions.plain(0));
            assertEquals(cond.context().getShape(), zeros.context().getShape());
            assertEquals(cond.pooled().getShape(), zeros.pooled().getShape());
            assertEquals(0f, zeros.context().abs().sum().getFloat());
            assertEquals(0f, zeros.pooled().abs().sum().getFloat());
        }
    }

    @Test
    void clipSkipSelectsEarlierLayersOfBothEncodersAndIsBounded() {
        try (NDManager m = NDManager.newBaseManager()) {
            Conditioning penultimate = conditioner().encode(m, List.of("a cat"), 0);
            Conditioning earlier = conditioner().encode(m, List.of("a cat"), 1);
            // both halves of the context change; the pooled output always comes from the full depth
            assertTrue(penultimate.context().get(":, :, :32").sub(earlier.context().get(":, :, :32")).abs().max()
                    .getFloat() > 0);
            assertTrue(penultimate.context().get(":, :, 32:").sub(earlier.context().get(":, :, 32:")).abs().max()
                    .getFloat() > 0);
            assertEquals(0f, penultimate.pooled().sub(earlier.pooled()).abs().max().getFloat());
            assertEquals(4, conditioner().layers());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> conditioner().encode(m, List.of("a cat"), 4));
            assertTrue(e.getMessage().contains("clip skip 4 outside [0, 4)"), e.getMessage());
        }
    }

    @Test
    void aSecondPromptIsRefusedByOneEncoder() {
        ClipConditioner clip = TinySd1.clip(); // outside the lambda: without fixtures the test is skipped, not failed
        try (NDManager m = NDManager.newBaseManager()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> clip.encode(m, List.of("a"), List.of("b"), PromptOptions.plain(0)));
            assertTrue(e.getMessage().contains("two text encoders"), e.getMessage());
        }
    }
}
