package dev.diffusion4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.diffusion4j.io.SafeTensors;
import dev.diffusion4j.nn.WeightSource;
import dev.diffusion4j.text.ClipTextConfig;
import dev.diffusion4j.text.ClipTextModel;
import dev.diffusion4j.unet.UNet2DConditionConfig;
import dev.diffusion4j.unet.UNet2DConditionModel;
import dev.diffusion4j.vae.AutoencoderKL;
import dev.diffusion4j.vae.AutoencoderKLConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The tiny fixtures' single files (original layout) against the diffusers folders they were made from: through the
 * map, every part has exactly the folder's names and shapes, and bit-identical values.
 */
class SingleFileTinyTest {

    @Test
    void sd1SingleFileEqualsItsFolder() throws Exception {
        Path root = ModelFixtures.root();
        SingleFileMapping mapping = checkAgainstFolder(root.resolve("sd1-extras/files/model.safetensors"),
                root.resolve("tiny-sd1"), ModelFamily.SD1, List.of("unet", "vae", "text_encoder"));
        assertEquals(new TreeSet<>(List.of("alphas_cumprod")), mapping.ignored());
    }

    @Test
    void sdxlSingleFileEqualsItsFolder() throws Exception {
        Path root = ModelFixtures.root();
        checkAgainstFolder(root.resolve("tiny-sdxl/files/model.safetensors"), root.resolve("tiny-sdxl"),
                ModelFamily.SDXL, List.of("unet", "vae", "text_encoder", "text_encoder_2"));
    }

    /** The mapped parts load into the project's own modules (the strict loader accepts names and shapes). */
    @Test
    void sd1SingleFileLoadsIntoTheModules() throws Exception {
        Path root = ModelFixtures.root();
        Path folder = root.resolve("tiny-sd1");
        try (SafeTensors file = SafeTensors.open(root.resolve("sd1-extras/files/model.safetensors"))) {
            SingleFileMapping mapping = SingleFileLayout.map(ModelFixtures.shapes(file), ModelFamily.SD1);
            WeightSource all = WeightSource.of(file);
            try (var unet = UNet2DConditionModel.load(UNet2DConditionConfig.read(folder.resolve("unet/config.json")),
                         new MappedWeightSource(all, "unet", mapping.part("unet")), DataType.FLOAT32);
                 var vae = AutoencoderKL.load(AutoencoderKLConfig.read(folder.resolve("vae/config.json")),
                         new MappedWeightSource(all, "vae", mapping.part("vae")), DataType.FLOAT32);
                 var clip = ClipTextModel.load(ClipTextConfig.read(folder.resolve("text_encoder/config.json")),
                         new MappedWeightSource(all, "text_encoder", mapping.part("text_encoder")), DataType.FLOAT32)) {
                assertTrue(unet.parameterCount() > 0 && vae.parameterCount() > 0 && clip.parameterCount() > 0);
            }
        }
    }

    private static SingleFileMapping checkAgainstFolder(Path single, Path folder, ModelFamily family,
                                                        List<String> parts) throws Exception {
        try (SafeTensors file = SafeTensors.open(single); NDManager manager = NDManager.newBaseManager()) {
            Map<String, long[]> shapes = ModelFixtures.shapes(file);
            FamilyDetection detection = FamilyDetection.detect(shapes);
            assertEquals(family, detection.family(), detection::toString);
            SingleFileMapping mapping = SingleFileLayout.map(shapes, family);
            mapping.requireNoUnexpected(single.toString());
            assertEquals(parts, List.copyOf(mapping.parts().keySet()));
            for (String part : parts) {
                String weights = part.startsWith("text_encoder") ? "model.safetensors"
                        : "diffusion_pytorch_model.safetensors";
                try (SafeTensors reference = SafeTensors.open(folder.resolve(part).resolve(weights))) {
                    WeightSource mapped = new MappedWeightSource(WeightSource.of(file), part, mapping.part(part));
                    assertEquals(new TreeSet<>(reference.names()), new TreeSet<>(mapped.names()), part);
                    for (String name : reference.names()) {
                        assertEquals(new Shape(reference.info(name).shape()), mapped.shape(name), part + "/" + name);
                        float[] got = mapped.load(name, manager, DataType.FLOAT32).toFloatArray();
                        assertArrayEquals(reference.floats(name), got, part + "/" + name);
                    }
                }
            }
            return mapping;
        }
    }
}
