package dev.diffusion4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class TrainOptionsTest {

    private static TrainOptions schedule(int steps, int warmup, int decay) {
        return new TrainOptions(Path.of("out"), steps, 8, 1e-3f, warmup, decay, 0f, 1f, 0.999f, 0, 100, 0, false);
    }

    @Test
    void warmupThenConstantWithoutDecay() {
        TrainOptions o = schedule(1000, 100, 0);
        assertEquals(1e-5f, o.lr(1), 1e-9f);
        assertEquals(5e-4f, o.lr(50), 1e-9f);
        for (int step = 100; step <= 1000; step++) assertEquals(1e-3f, o.lr(step));
    }

    @Test
    void decayIsLinearOverTheLastStepsAndReachesOneOverN() {
        TrainOptions o = schedule(1000, 100, 400);
        for (int step = 100; step <= 601; step++) assertEquals(1e-3f, o.lr(step), "step " + step);
        // 1-based: step 601 is the first of the last 400 steps, step 1000 the last
        assertEquals(1e-3f * 399 / 400, o.lr(602), 1e-9f);
        assertEquals(1e-3f * 200 / 400, o.lr(801), 1e-9f);
        assertEquals(1e-3f / 400, o.lr(1000), 1e-9f);
        for (int step = 101; step <= 1000; step++) {
            assertTrue(o.lr(step) <= o.lr(step - 1), "non-increasing after warm-up at " + step);
        }
    }

    @Test
    void decayLongerThanTheRunIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> schedule(10, 0, 11));
        assertEquals("--lr-decay must be in [0, --steps = 10], got 11", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> schedule(10, 0, -1));
    }
}
