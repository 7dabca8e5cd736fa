package dev.diffusion4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.diffusion4j.tensor.Engines;
import dev.diffusion4j.tensor.Tensors;
import org.junit.jupiter.api.Test;

class ReconstructionLossTest {

    @Test
    void meansOfAbsoluteAndSquaredErrors() {
        Engines.start(0);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray rec = Tensors.of(m, new float[] {0, 1, -1, 3});
            NDArray target = Tensors.of(m, new float[] {0, 0, 1, 1});
            // errors 0, 1, −2, 2
            assertEquals((0 + 1 + 2 + 2) / 4f, ReconstructionLoss.L1.of(rec, target).getFloat(), 1e-6f);
            assertEquals((0 + 1 + 4 + 4) / 4f, ReconstructionLoss.MSE.of(rec, target).getFloat(), 1e-6f);
        }
    }

    @Test
    void parsesNamesAndRejectsOthers() {
        assertSame(ReconstructionLoss.MSE, ReconstructionLoss.parse("mse"));
        assertSame(ReconstructionLoss.L1, ReconstructionLoss.parse("L1"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ReconstructionLoss.parse("huber"));
        assertTrue(e.getMessage().contains("'huber'") && e.getMessage().contains("l1 or mse"), e.getMessage());
    }
}
