package dev.diffusion4j.pipelines;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.diffusion4j.Fixtures;
import dev.diffusion4j.TinySd1;
import dev.diffusion4j.TinySdxl;
import dev.diffusion4j.models.LoadOptions;
import dev.diffusion4j.models.ModelFamily;
import dev.diffusion4j.models.ModelSpec;
import dev.diffusion4j.text.Conditioning;
import dev.diffusion4j.text.PromptOptions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** tiny-sdxl's txt2img and img2img cases through the pipelines (the manifest stores the images only). */
class SdxlPipelineTest {

    static List<Fixtures.Case> cases() {
        return Fixtures.cases("tiny-sdxl", "txt2img", "img2img");
    }

    @ParameterizedTest
    @MethodSource("cases")
    void matchesDiffusers(Fixtures.Case c) throws Exception {
        GenerationRequest r = PipelineConformanceTest.request(c);
        assertEquals(List.of(64, 64), ints(c, "original_size"));
        assertEquals(List.of(64, 64), ints(c, "target_size"));
        assertEquals(List.of(0, 0), ints(c, "crops_coords_top_left"));
        GenerationResult result = TinySdxl.model().generate(r, GenerationListener.NONE);
        c.check("image", result.pixels());
        c.checkPng("image_png", result.images().get(0));
    }

    static List<Fixtures.Case> singleFiles() {
        return Fixtures.cases("tiny-sdxl", "single_file");
    }

    /** The folder's weights in the original SGM layout, with the folder as config: the txt2img_euler image. */
    @ParameterizedTest
    @MethodSource("singleFiles")
    void aSingleFileGivesTheFoldersImage(Fixtures.Case c) throws Exception {
        TinySdxl.model(); // starts the engine
        ModelSpec spec = ModelSpec.open(c.dir().resolve(c.params().get("checkpoint").getAsString()),
                c.dir().resolve(c.params().get("config_dir").getAsString()), null);
        assertEquals(ModelFamily.SDXL, spec.family());
        try (StableDiffusion sd = StableDiffusion.load(spec, LoadOptions.defaults(), done -> { })) {
            GenerationResult result = sd.generate(PipelineConformanceTest.request(c), GenerationListener.NONE);
            c.check("image", result.pixels());
            c.checkPng("image_png", result.images().get(0));
        }
    }

    private static List<Integer> ints(Fixtures.Case c, String key) {
        return c.params().getAsJsonArray(key).asList().stream().map(e -> e.getAsInt()).toList();
    }

    @Test
    void timeIdsAreOriginalCropTargetAsHeightWidth() {
        SdxlConditions xl = new SdxlConditions(List.of(), List.of(), 1024, 768, 640, 512, 16, 32);
        assertEquals(List.of(768f, 1024f, 32f, 16f, 512f, 640f), boxed(xl.timeIds(64, 48)));
        assertEquals(List.of(48f, 64f, 0f, 0f, 48f, 64f), boxed(SdxlConditions.DEFAULTS.timeIds(64, 48)));
    }

    private static List<Float> boxed(float[] a) {
        List<Float> out = new ArrayList<>();
        for (float v : a) out.add(v);
        return out;
    }

    @Test
    void sizeConditioningChangesTheImage() {
        GenerationRequest plain = GenerationRequest.builder("a red circle").size(64, 64).steps(2).seed(1).build();
        GenerationRequest cropped = GenerationRequest.builder("a red circle").size(64, 64).steps(2).seed(1)
                .originalSize(1024, 1024).cropTopLeft(256, 0).build();
        float[] a = TinySdxl.model().generate(plain, GenerationListener.NONE).pixels();
        float[] b = TinySdxl.model().generate(cropped, GenerationListener.NONE).pixels();
        assertTrue(Fixtures.Error.of(a, b).maxAbs() > 0);
    }

    @Test
    void aNegativeSecondPromptAlonePairsWithAnEmptyFirstOne() {
        GenerationRequest r = GenerationRequest.builder("a red circle").negativePrompt2("blurry").build();
        try (NDManager m = NDManager.newBaseManager()) {
            DiffusionPipeline.PromptEmbeds embeds = new TextToImage(TinySdxl.model()).encodePrompt(m, r);
            Conditioning want = TinySdxl.model().conditioner().encode(m, List.of(""), List.of("blurry"),
                    PromptOptions.plain(0));
            assertEquals(0f, embeds.uncond().sub(want.context()).abs().max().getFloat());
            assertEquals(0f, embeds.uncondPooled().sub(want.pooled()).abs().max().getFloat());
        }
    }

    @Test
    void sizeConditioningIsRefusedForSd1() {
        GenerationRequest r = GenerationRequest.builder("a").size(64, 64).steps(1).originalSize(512, 512).build();
        TextToImage pipeline = new TextToImage(TinySd1.model()); // outside the lambda: skipped without fixtures
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> pipeline.generate(r, GenerationListener.NONE));
        assertTrue(e.getMessage().contains("condition SDXL models only"), e.getMessage());
    }
}
