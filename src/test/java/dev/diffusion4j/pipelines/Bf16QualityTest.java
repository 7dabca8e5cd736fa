package dev.diffusion4j.pipelines;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.DataType;
import dev.diffusion4j.Fixtures;
import dev.diffusion4j.TinySd1;
import dev.diffusion4j.io.ModelDirectory;
import dev.diffusion4j.models.LoadOptions;
import dev.diffusion4j.models.ModelSpec;
import dev.diffusion4j.tensor.Precision;
import org.junit.jupiter.api.Test;

/**
 * The bf16 path end to end on the tiny fixture model: the same request (20 steps, CFG, img2img too) in bf16 and in
 * float32, compared on the final pixels. bf16 keeps 8 bits of mantissa, so the images differ slightly; the bounds are
 * the measured error with a margin (BENCHMARKS.md has the full-size numbers). That the run completes at all is the
 * other half: DJL aborts the JVM if any bf16 array reaches one of its own creation calls ({@code Precision}).
 */
class Bf16QualityTest {

    @Test
    void bf16ImageStaysCloseToFloat32() throws Exception {
        StableDiffusion fp32 = TinySd1.model();
        GenerationRequest txt = GenerationRequest.builder("a photo of an astronaut riding a horse")
                .negativePrompt("blurry").steps(20).seed(42).sampler("euler_a").build();
        GenerationResult reference = fp32.generate(txt, GenerationListener.NONE);
        // img2img runs the VAE encoder in bf16 as well
        GenerationRequest img = GenerationRequest.builder("a red horse").steps(20).seed(7).sampler("dpm++2m")
                .initImage(reference.images().get(0), 0.6).build();
        float[] imgReference = fp32.generate(img, GenerationListener.NONE).pixels();
        try (StableDiffusion bf16 = StableDiffusion.load(ModelSpec.open(ModelDirectory.open(Fixtures.tinySd1(),
                "tiny-sd1")), LoadOptions.defaults().withDtype(DataType.BFLOAT16), done -> { })) {
            assertEquals(DataType.BFLOAT16, bf16.unet().dtype());
            assertEquals(DataType.BFLOAT16, bf16.vae().dtype());
            // measured: txt2img PSNR 48.2 dB, max |d| 0.020 (pixels in [0, 1])
            assertClose("txt2img euler_a", reference.pixels(), bf16.generate(txt, GenerationListener.NONE).pixels());
            assertClose("img2img dpm++2m", imgReference, bf16.generate(img, GenerationListener.NONE).pixels());
        }
    }

    private static void assertClose(String what, float[] reference, float[] pixels) {
        double max = 0;
        double se = 0;
        for (int i = 0; i < pixels.length; i++) {
            double d = Math.abs(pixels[i] - reference[i]);
            max = Math.max(max, d);
            se += d * d;
        }
        double psnr = 10 * Math.log10(1 / (se / pixels.length));
        System.out.printf("bf16 vs fp32 (tiny-sd1, %s, 20 steps): PSNR %.1f dB, max |d| %.4f%n", what, psnr, max);
        assertTrue(psnr > 40, what + ": PSNR " + psnr + " dB");
        assertTrue(max < 0.08, what + ": max |d| " + max);
    }
}
