package dev.diffusion4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TensorsTest {

    /** Allocates and fills direct buffers so that freed Java-owned tensor memory would be reused and overwritten. */
    private static void churnDirectMemory() {
        List<ByteBuffer> junk = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            System.gc();
            try {
                Thread.sleep(50); // direct buffers are freed by the Cleaner thread after collection
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            for (int i = 0; i < 256; i++) {
                ByteBuffer b = ByteBuffer.allocateDirect(8 << (i % 4));
                while (b.hasRemaining()) {
                    b.put((byte) 0x7f);
                }
                junk.add(b);
            }
        }
        junk.clear();
    }

    @Test
    void ownedCopyOutlivesTheJavaArrayAndSurvivesViews() {
        Engines.start(0);
        try (NDManager m = NDManager.newBaseManager()) {
            float[] data = {1, 2, 3, 4, 5, 6};
            NDArray a = Tensors.of(m, data, new Shape(2, 3));
            NDArray view = a.transpose();
            a.close();
            data[0] = 100; // the tensor must not alias the Java array either
            churnDirectMemory();
            assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, view.toFloatArray());
        }
    }

    @Test
    void assignWritesThroughEveryHandleAndOutlivesTheWriter() {
        Engines.start(0);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray w = Tensors.of(m, new float[] {1, 2, 3}, new Shape(3));
            w.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(w.mul(w).sum());
            }
            // reset the gradient through a short-lived handle, as an optimiser does, then drop that handle
            try (NDArray g = w.getGradient()) {
                Tensors.assign(g, new float[3]);
            }
            churnDirectMemory();
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(w.sum());
            }
            assertArrayEquals(new float[] {1, 1, 1}, w.getGradient().toFloatArray());
        }
    }

    @Test
    void assignRejectsAShapeMismatch() {
        Engines.start(0);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray w = m.zeros(new Shape(2, 2));
            assertThrows(IllegalArgumentException.class, () -> Tensors.assign(w, new float[3]));
            assertThrows(IllegalArgumentException.class, () -> Tensors.assign(w, m.zeros(new Shape(4))));
        }
    }
}
