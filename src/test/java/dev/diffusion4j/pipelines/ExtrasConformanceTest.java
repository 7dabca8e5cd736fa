package dev.diffusion4j.pipelines;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.diffusion4j.Fixtures;
import dev.diffusion4j.TinySd1;
import dev.diffusion4j.io.ModelDirectory;
import dev.diffusion4j.io.Png;
import dev.diffusion4j.models.LoadOptions;
import dev.diffusion4j.models.ModelSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * sd1-extras' single_file, single_file_refused and inpaint cases: single files loaded with the architecture of
 * params.config_dir give diffusers' image; the hostile pickle is refused without running; inpainting follows
 * StableDiffusionInpaintPipeline for the 9-channel model and for tiny-sd1's plain UNet.
 */
class ExtrasConformanceTest {

    static List<Fixtures.Case> singleFiles() {
        return Fixtures.cases("sd1-extras", "single_file");
    }

    static List<Fixtures.Case> refused() {
        return Fixtures.cases("sd1-extras", "single_file_refused");
    }

    static List<Fixtures.Case> inpaints() {
        return Fixtures.cases("sd1-extras", "inpaint");
    }

    @ParameterizedTest
    @MethodSource("singleFiles")
    void aSingleFileGivesTheFoldersImage(Fixtures.Case c) throws Exception {
        TinySd1.model(); // starts the engine
        ModelSpec spec = ModelSpec.open(path(c, "checkpoint"), path(c, "config_dir"), null);
        try (StableDiffusion sd = StableDiffusion.load(spec, LoadOptions.defaults(), done -> { })) {
            GenerationResult result = sd.generate(PipelineConformanceTest.request(c), GenerationListener.NONE);
            c.check("image", result.pixels());
            c.checkPng("image_png", result.images().get(0));
        }
    }

    @ParameterizedTest
    @MethodSource("refused")
    void aHostileFileIsRefusedWithoutRunning(Fixtures.Case c) throws Exception {
        Path marker = Path.of(c.params().get("marker_file").getAsString());
        Files.deleteIfExists(marker);
        IOException e = assertThrows(IOException.class,
                () -> ModelSpec.open(path(c, "checkpoint"), path(c, "config_dir"), null));
        assertTrue(e.getMessage().contains("is not allowed"), e.getMessage());
        assertFalse(Files.exists(marker), "the pickle's payload ran: " + marker + " exists");
    }

    @ParameterizedTest
    @MethodSource("inpaints")
    void inpaintingMatchesDiffusers(Fixtures.Case c) throws Exception {
        GenerationRequest plain = PipelineConformanceTest.request(c);
        GenerationRequest r = new GenerationRequest(plain.prompts(), plain.negativePrompts(), plain.width(),
                plain.height(), plain.steps(), plain.guidanceScale(), plain.guidanceRescale(), plain.sampler(),
                plain.seed(), plain.imagesPerPrompt(), Png.read(path(c, "image")),
                c.params().get("strength").getAsDouble(), plain.clipSkip(), Png.read(path(c, "mask")),
                plain.promptSyntax(), plain.embeddingsDir(), plain.loras(), plain.loraDir(), plain.sdxl());
        Path dir = path(c, "model_dir").normalize();
        GenerationResult result;
        if (dir.endsWith("tiny-sd1")) {
            result = TinySd1.model().generate(r, GenerationListener.NONE);
        } else {
            TinySd1.model();
            try (StableDiffusion sd = StableDiffusion.load(ModelSpec.open(ModelDirectory.open(dir, c.name())),
                    LoadOptions.defaults(), done -> { })) {
                result = sd.generate(r, GenerationListener.NONE);
            }
        }
        c.check("image", result.pixels());
        c.checkPng("image_png", result.images().get(0));
    }

    private static Path path(Fixtures.Case c, String param) {
        return c.dir().resolve(c.params().get(param).getAsString());
    }
}
