package dev.diffusion4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.diffusion4j.io.ModelDirectory;
import dev.diffusion4j.io.SafeTensors;
import dev.diffusion4j.tensor.Engines;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** d4j convert: single file → folder → single file, and folder → single file → folder, are exact. */
class ConversionTest {

    @Test
    void aCheckpointThroughAFolderComesBackAsTheOriginalFile(@TempDir Path dir) throws Exception {
        Engines.start(0);
        Path root = ModelFixtures.root();
        Path folder = dir.resolve("folder");
        Path ckpt = root.resolve("sd1-extras/files/model.ckpt");
        Conversion.toFolder(ModelSpec.open(ckpt, root.resolve("tiny-sd1"), null), root.resolve("tiny-sd1"), folder,
                false);
        Path back = dir.resolve("back.safetensors");
        Conversion.toSingleFile(ModelDirectory.open(folder, "folder"), back, false);
        try (SafeTensors want = SafeTensors.open(root.resolve("sd1-extras/files/model.safetensors"));
             SafeTensors got = SafeTensors.open(back)) {
            Set<String> expected = new TreeSet<>(want.names());
            expected.remove("alphas_cumprod"); // a schedule buffer, not a weight
            assertEquals(expected, new TreeSet<>(got.names()));
            for (String name : got.names()) {
                assertArrayEquals(want.info(name).shape(), got.info(name).shape(), name);
                assertArrayEquals(want.floats(name), got.floats(name), name);
            }
        }
    }

    @Test
    void aFolderThroughASingleFileComesBackAsTheFolder(@TempDir Path dir) throws Exception {
        Engines.start(0);
        Path root = ModelFixtures.root();
        Path file = dir.resolve("inpaint.safetensors");
        Path inpaint = root.resolve("sd1-extras/inpaint-model");
        Conversion.toSingleFile(ModelDirectory.open(inpaint, "inpaint"), file, false);
        Path folder = dir.resolve("folder");
        ModelSpec spec = ModelSpec.open(file, inpaint, null);
        assertEquals(ModelFamily.INPAINTING, spec.family());
        Conversion.toFolder(spec, inpaint, folder, false);
        for (String part : new String[] {"unet", "vae", "text_encoder"}) {
            String weights = part.equals("text_encoder") ? "model.safetensors" : "diffusion_pytorch_model.safetensors";
            try (SafeTensors want = SafeTensors.open(inpaint.resolve(part).resolve(weights));
                 SafeTensors got = SafeTensors.open(folder.resolve(part).resolve(weights))) {
                Set<String> expected = new TreeSet<>(want.names());
                expected.remove("text_model.embeddings.position_ids"); // ignored by name, as diffusers does
                assertEquals(expected, new TreeSet<>(got.names()), part);
                for (String name : got.names()) {
                    assertArrayEquals(want.floats(name), got.floats(name), part + "/" + name);
                }
            }
        }
    }
}
