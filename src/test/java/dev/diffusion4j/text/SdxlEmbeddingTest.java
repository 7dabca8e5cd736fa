package dev.diffusion4j.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.diffusion4j.TinySd1;
import dev.diffusion4j.TinySdxl;
import dev.diffusion4j.io.SafeTensors;
import dev.diffusion4j.tensor.Tensors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SDXL textual-inversion embeddings (A1111 / kohya: {@code clip_l} and {@code clip_g} in one safetensors file): each
 * encoder's token embeddings at the trigger's positions become that encoder's vectors. The expected context is built
 * here from each encoder's token embeddings with the rows replaced by hand.
 */
class SdxlEmbeddingTest {

    private static final int C_L = 32;
    private static final int C = 64;

    @TempDir
    Path dir;

    private static float[] random(Random r, int n) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) r.nextGaussian() * 0.02f;
        }
        return out;
    }

    private TextualInversions write(String name, Map<String, float[]> tensors, int width) throws IOException {
        Files.createDirectories(dir);
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> arrays = new LinkedHashMap<>();
            tensors.forEach((k, v) -> arrays.put(k, Tensors.of(m, v, new Shape(v.length / width, width))));
            SafeTensors.write(dir.resolve(name + ".safetensors"), arrays, Map.of());
        }
        return TextualInversions.load(dir);
    }

    @Test
    void clipLAndClipGVectorsReachTheirEncodersTokenEmbeddings() throws IOException {
        Random r = new Random(3);
        float[] clipL = random(r, 2 * C_L);
        float[] clipG = random(r, 2 * 32);
        TextualInversions e = write("sdxltoy", Map.of("clip_l", clipL, "clip_g", clipG), 32);
        assertEquals(2, e.get("sdxltoy").vectors());
        PromptOptions options = new PromptOptions(0, PromptSyntax.A1111, e);
        SdxlConditioner sdxl = (SdxlConditioner) TinySdxl.model().conditioner();
        try (NDManager m = NDManager.newBaseManager()) {
            Conditioning c = sdxl.encode(m, List.of("a sdxltoy cube"), options);
            assertEquals(List.of(e.get("sdxltoy")), c.embeddingsUsed());
            assertEquals(new Shape(1, 77, C), c.context().getShape());
            float[] got = TinySd1.floats(c.context());
            // "a" at 1, the two vectors at 2 and 3, "cube" at 4
            ClipTextModel te1 = (ClipTextModel) sdxl.textEncoders().get("text_encoder");
            ClipTextModel te2 = (ClipTextModel) sdxl.textEncoders().get("text_encoder_2");
            float[] want1 = byHand(m, te1, tokenizer("tokenizer"), clipL, C_L);
            float[] want2 = byHand(m, te2, tokenizer("tokenizer_2"), clipG, 32);
            for (int t = 0; t < 77; t++) {
                for (int ch = 0; ch < C; ch++) {
                    float want = ch < C_L ? want1[t * C_L + ch] : want2[t * 32 + ch - C_L];
                    assertEquals(want, got[t * C + ch], 1e-6, "token " + t + " ch " + ch);
                }
            }
            // the vectors matter: the same prompt without the embedding reads the trigger as words
            Conditioning words = sdxl.encode(m, List.of("a sdxltoy cube"), new PromptOptions(0, PromptSyntax.A1111,
                    TextualInversions.NONE));
            assertTrue(c.context().sub(words.context()).abs().max().getFloat() > 1e-3);
        }
    }

    /**
     * "a x x cube" as the tokenizer pads it, the two x (one token each) at positions 2 and 3 made placeholders whose
     * token embeddings are {@code vectors}, through the encoder's penultimate layer.
     */
    private static float[] byHand(NDManager m, ClipTextModel te, ClipTokenizer tokenizer, float[] vectors, int width) {
        assertEquals(4, tokenizer.encode("a x x cube").size());
        long[] ids = tokenizer.inputIds("a x x cube");
        ids[2] = 0;
        ids[3] = 0;
        NDArray input = Tensors.of(m, ids, new Shape(1, 77));
        float[] tokens = te.tokenEmbeddings(input).toFloatArray();
        System.arraycopy(vectors, 0, tokens, 2 * width, 2 * width);
        return TinySd1.floats(te.forward(input, Tensors.of(m, tokens, new Shape(1, 77, width)), 1, false)
                .lastHiddenState());
    }

    @Test
    void anEmbeddingWithoutTheEncodersWidthIsRefusedNamingTheFile() throws IOException {
        ClipConditioner clip = TinySd1.clip(); // outside the lambdas: without fixtures the test is skipped, not failed
        TinySdxl.model();
        Random r = new Random(4);
        TextualInversions narrow = write("narrow", Map.of("emb_params", random(r, 7)), 7);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> encodeSdxl("narrow", narrow));
        assertTrue(e.getMessage().contains("narrow.safetensors") && e.getMessage().contains("width 7")
                && e.getMessage().contains("text_encoder"), e.getMessage());
        TextualInversions sdxlFile = write("xltoy", Map.of("clip_l", random(r, 32), "clip_g", random(r, 32)), 32);
        try (NDManager m = NDManager.newBaseManager()) {
            e = assertThrows(IllegalArgumentException.class, () -> clip.encode(m, List.of("a xltoy"),
                    new PromptOptions(0, PromptSyntax.A1111, sdxlFile)));
        }
        assertTrue(e.getMessage().contains("xltoy.safetensors") && e.getMessage().contains("SDXL embedding"),
                e.getMessage());
    }

    @Test
    void clipLAndClipGMustHoldTheSameNumberOfVectors() throws IOException {
        Random r = new Random(5);
        IOException e = assertThrows(IOException.class,
                () -> write("uneven", Map.of("clip_l", random(r, 2 * 32), "clip_g", random(r, 32)), 32));
        assertTrue(e.getMessage().contains("uneven.safetensors") && e.getMessage().contains("clip_l has 2 vectors"),
                e.getMessage());
    }

    private static void encodeSdxl(String prompt, TextualInversions e) {
        try (NDManager m = NDManager.newBaseManager()) {
            TinySdxl.model().conditioner().encode(m, List.of(prompt), new PromptOptions(0, PromptSyntax.A1111, e));
        }
    }

    private static ClipTokenizer tokenizer(String folder) {
        try {
            return ClipTokenizer.load(TinySdxl.dir().resolve(folder));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
