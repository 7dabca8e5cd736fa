package dev.diffusion4j.pipelines;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Numbers in the infotext as Python prints them, and warnings for images that are visibly broken. */
class InfotextTest {

    @ParameterizedTest
    @CsvSource({"7.5, 7.5", "7, 7", "1e30, 1e+30", "0.00001, 1e-05", "0.0001, 0.0001", "-2.5e-7, -2.5e-07",
        "123456789012345678, 1.2345678901234568e+17", "0.3, 0.3"})
    void numbersAreWrittenFaithfully(double value, String expected) {
        assertEquals(expected, Infotext.trim(value));
    }

    private static GenerationResult result(float[] pixels, int w, int h) {
        int b = pixels.length / (w * h * 3);
        List<BufferedImage> images = Collections.nCopies(b, new BufferedImage(w, h,
                BufferedImage.TYPE_INT_RGB));
        return new GenerationResult(images, 1, pixels, w, h, "Euler");
    }

    @Test
    void nonFiniteAndFlatImagesAreReportedPerImage() {
        float[] pixels = new float[2 * 2 * 3 * 3];
        for (int i = 0; i < 12; i++) {
            pixels[i] = i / 12f; // image 0: fine
        }
        pixels[12] = Float.NaN; // image 1: one NaN
        Arrays.fill(pixels, 24, 36, 0.5f); // image 2: flat grey
        List<String> w = result(pixels, 2, 2).warnings();
        assertEquals(2, w.size(), w.toString());
        assertTrue(w.get(0).startsWith("image 1: 1 of 12 values are not finite"), w.get(0));
        assertTrue(w.get(1).startsWith("image 2: a single flat colour"), w.get(1));
        GenerationRequest r = GenerationRequest.builder("x").imagesPerPrompt(3).seed(1).build();
        assertTrue(Infotext.of(r, result(pixels, 2, 2), "m", 1).contains("Warning: 1 of 12 values are not finite"),
                Infotext.of(r, result(pixels, 2, 2), "m", 1));
        assertTrue(!Infotext.of(r, result(pixels, 2, 2), "m", 0).contains("Warning"));
    }

    @Test
    void aGuidanceScaleOf1e30IsNotWrittenAsLongMaxValue() {
        GenerationRequest r = GenerationRequest.builder("x").guidanceScale(1e30).seed(1).build();
        String text = Infotext.of(r, result(new float[12], 2, 2), "m", 0);
        assertTrue(text.contains("CFG scale: 1e+30"), text);
    }
}
