package dev.diffusion4j.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.diffusion4j.Fixtures;
import dev.diffusion4j.TinySd1;
import dev.diffusion4j.io.SafeTensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The conditioner's two syntaxes, embeddings and cache on tiny-sd1's tokenizer and text encoder. */
class ClipConditionerTest {

    @TempDir
    Path dir;

    static List<Fixtures.Case> encoderCases() {
        return Fixtures.cases("sd1-extras", "a1111_text_encoder");
    }

    private static ClipConditioner conditioner() {
        return new ClipConditioner(TinySd1.tokenizer(), TinySd1.textEncoder());
    }

    private static float[] encode(ClipConditioner c, String prompt, PromptOptions o) {
        try (NDManager m = NDManager.newBaseManager()) {
            return TinySd1.floats(c.encode(m, List.of(prompt), o).context());
        }
    }

    private static PromptOptions a1111(int clipSkip, TextualInversions e) {
        return new PromptOptions(clipSkip, PromptSyntax.A1111, e);
    }

    @ParameterizedTest
    @MethodSource("encoderCases")
    void a1111EncodingMatchesTheFixture(Fixtures.Case c) {
        int clipSkip = c.params().get("clip_skip").getAsInt() - 1;
        float[] z = encode(conditioner(), c.params().get("prompt").getAsString(), a1111(clipSkip, TextualInversions.NONE));
        c.check("embeds", z);
    }

    @Test
    void plainTextIsDiffusersLiteralTruncatedEncoding() {
        ClipConditioner c = conditioner();
        String longPrompt = "word, ".repeat(60) + "(red:1.5)";
        float[] plain = encode(c, longPrompt, PromptOptions.plain(0));
        try (NDManager m = NDManager.newBaseManager()) {
            assertArrayEquals(TinySd1.floats(c.encode(m, List.of(longPrompt), 0).context()), plain);
        }
        assertEquals(77 * 32, plain.length);
        assertEquals(2 * 77 * 32, encode(c, longPrompt, a1111(0, TextualInversions.NONE)).length);
    }

    @Test
    void promptOfOnlyALoraTagEncodesAsTheEmptyPrompt() {
        ClipConditioner c = conditioner();
        String stripped = ExtraNetworks.parse("<lora:detail:0.7>").prompt();
        assertArrayEquals(encode(c, "", a1111(0, TextualInversions.NONE)),
                encode(c, stripped, a1111(0, TextualInversions.NONE)));
    }

    @Test
    void encodingsAreCachedUntilTheWeightsChange() {
        ClipConditioner c = conditioner();
        PromptOptions o = a1111(0, TextualInversions.NONE);
        float[] first = encode(c, "a (cached:1.2) prompt", o);
        String param = "text_model.final_layer_norm.bias";
        try {
            TinySd1.textEncoder().patch(param, w -> w.add(1f));
            assertArrayEquals(first, encode(c, "a (cached:1.2) prompt", o), "a repeated prompt is served from the cache");
            c.clearCache();
            assertNotEquals(first[0], encode(c, "a (cached:1.2) prompt", o)[0], "cleared: encoded with the new weights");
        } finally {
            TinySd1.textEncoder().restore();
        }
    }

    @Test
    void embeddingsLoadFromEveryFormat() throws Exception {
        Path src = Fixtures.root().resolve("sd1-extras/files/embeddings");
        TextualInversions e = TextualInversions.load(src);
        assertEquals(Set.of("glowstyle", "badhands", "cattoy"), e.byName().keySet());
        assertEquals(2, e.get("glowstyle").vectors());
        assertEquals(3, e.get("badhands").vectors());
        assertEquals(1, e.get("cattoy").vectors());
        // a diffusers .bin is a torch pickle like A1111's .pt
        Files.copy(src.resolve("glowstyle.pt"), dir.resolve("glow.bin"));
        TextualInversion bin = TextualInversions.load(dir).get("glow");
        assertEquals(2, bin.vectors());
        assertArrayEquals(e.get("glowstyle").tensors().get(""), bin.tensors().get(""));
    }

    @Test
    void multiVectorEmbeddingTakesOnePositionPerVector() throws Exception {
        TextualInversions e = TextualInversions.load(Fixtures.root().resolve("sd1-extras/files/embeddings"));
        PromptChunk chunk = new PromptChunker(TinySd1.tokenizer(), e.lookup(TinySd1.tokenizer())).chunk("badhands").get(0);
        assertEquals(List.of(new EmbeddingAt(1, "badhands", 3)), chunk.embeddings());
        assertEquals(PromptChunker.PLACEHOLDER_ID, chunk.tokens()[3]);
        assertEquals(TinySd1.tokenizer().eosId(), chunk.tokens()[4]);
    }

    @Test
    void wrongWidthIsAnErrorNamingTheFileWhenUsed() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            SafeTensors.write(dir.resolve("narrow.safetensors"), Map.of("emb_params", m.zeros(new Shape(2, 16))), Map.of());
        }
        TextualInversions e = TextualInversions.load(dir);
        ClipConditioner c = conditioner();
        assertEquals(77 * 32, encode(c, "a cat", a1111(0, e)).length, "an unused embedding does not matter");
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class,
                () -> encode(c, "a narrow cat", a1111(0, e)));
        assertTrue(x.getMessage().contains("narrow.safetensors") && x.getMessage().contains("width 16"), x.getMessage());
    }

    @Test
    void notAnEmbeddingOrTwoWithOneNameAreErrorsNamingTheFiles() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            SafeTensors.write(dir.resolve("two.safetensors"),
                    Map.of("a", m.zeros(new Shape(32)), "b", m.zeros(new Shape(32))), Map.of());
        }
        Exception x = assertThrows(IOException.class, () -> TextualInversions.load(dir));
        assertTrue(x.getMessage().contains("two.safetensors"), x.getMessage());
        Files.delete(dir.resolve("two.safetensors"));
        Path src = Fixtures.root().resolve("sd1-extras/files/embeddings");
        Files.copy(src.resolve("cattoy.safetensors"), dir.resolve("same.safetensors"));
        Files.copy(src.resolve("glowstyle.pt"), dir.resolve("same.pt"));
        x = assertThrows(IOException.class, () -> TextualInversions.load(dir));
        assertTrue(x.getMessage().contains("same.pt") && x.getMessage().contains("same.safetensors"), x.getMessage());
    }
}
