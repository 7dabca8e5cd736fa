package dev.diffusion4j.vae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import dev.diffusion4j.tensor.Engines;
import java.awt.image.BufferedImage;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The inpainting mask processor: grey samples as stored, Pillow's luma and Lanczos filter, binarised at 0.5. */
class MaskProcessorTest {

    @Test
    void greySamplesAreBinarisedAtHalfIntensityAsStored() {
        Engines.start(0);
        BufferedImage grey = new BufferedImage(4, 1, BufferedImage.TYPE_BYTE_GRAY);
        int[] values = {0, 127, 128, 255};
        for (int x = 0; x < 4; x++) {
            grey.getRaster().setSample(x, 0, 0, values[x]);
        }
        try (NDManager m = NDManager.newBaseManager()) {
            // 127/255 < 0.5 <= 128/255; getRGB's linear-to-sRGB re-encoding would turn 127 into ~187 (repaint)
            assertArrayEquals(new float[] {0, 0, 1, 1}, MaskProcessor.preprocessMask(m, grey, 4, 1).toFloatArray());
        }
    }

    @Test
    void rgbMasksUsePillowsLuma() {
        // Pillow: L = (R·19595 + G·38470 + B·7471 + 0x8000) >> 16
        byte[] rgb = {(byte) 255, 0, 0, 0, (byte) 255, 0, 0, 0, (byte) 255, (byte) 255, (byte) 255, (byte) 255};
        byte[] l = MaskProcessor.luma(rgb);
        assertArrayEquals(new byte[] {76, (byte) 150, 29, (byte) 255}, l);
    }

    @Test
    void lanczosKeepsAConstantImageAndItsSymmetry() {
        byte[] flat = new byte[12 * 10];
        Arrays.fill(flat, (byte) 200);
        byte[] out = LanczosResize.resize(flat, 1, 12, 10, 5, 7);
        for (byte b : out) {
            assertEquals(200, b & 0xff);
        }
        // a left-right symmetric ramp stays symmetric through a 2x downscale
        byte[] ramp = new byte[8];
        int[] v = {0, 40, 120, 250, 250, 120, 40, 0};
        for (int i = 0; i < 8; i++) {
            ramp[i] = (byte) v[i];
        }
        byte[] half = LanczosResize.resize(ramp, 1, 8, 1, 4, 1);
        assertEquals(half[0], half[3]);
        assertEquals(half[1], half[2]);
    }
}
