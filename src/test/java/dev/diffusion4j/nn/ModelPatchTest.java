package dev.diffusion4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.diffusion4j.tensor.Engines;
import java.util.Arrays;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Patching parameters in place and restoring them exactly (LoRA switching in a long-lived process). */
class ModelPatchTest {

    static final class Tiny extends Model {
        final Linear proj = child("proj", new Linear(3, 2));

        Tiny() {
            super(NDManager.newBaseManager());
        }
    }

    @Test
    void restoreIsBitExactAfterRepeatedPatches() {
        Engines.start(0);
        try (Tiny m = new Tiny()) {
            Weights.initRandom(m, m.manager(), DataType.FLOAT32, 7);
            Parameter w = m.namedParameters().get("proj.weight");
            float[] loaded = w.array().toFloatArray();
            // x + 0.1 - 0.1 is not x in float: only keeping the loaded value restores it exactly
            m.patch("proj.weight", x -> x.add(0.1f));
            m.patch("proj.weight", x -> x.sub(0.1f).add(1e-3f));
            assertEquals(Set.of("proj.weight"), m.patched());
            float[] patched = w.array().toFloatArray();
            assertFalse(Arrays.equals(loaded, patched));
            m.restore();
            assertArrayEquals(loaded, w.array().toFloatArray());
            assertTrue(m.patched().isEmpty());
        }
    }

    @Test
    void unknownNamesAndWrongShapesAreRefused() {
        Engines.start(0);
        try (Tiny m = new Tiny()) {
            Weights.initRandom(m, m.manager(), DataType.FLOAT32, 7);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> m.patch("proj.nope", x -> x));
            assertTrue(e.getMessage().contains("proj.nope"));
            assertThrows(IllegalArgumentException.class, () -> m.patch("proj.weight", x -> x.reshape(-1)));
        }
    }
}
