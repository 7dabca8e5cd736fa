package dev.diffusion4j.text;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.diffusion4j.Fixtures;
import dev.diffusion4j.TinySd1;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ClipTextModelTest {

    static List<Fixtures.Case> cases() {
        return Fixtures.cases("tiny-sd1", "text_encoder");
    }

    @ParameterizedTest
    @MethodSource("cases")
    void matchesTransformers(Fixtures.Case c) {
        ClipTextModel te = TinySd1.textEncoder();
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray ids = TinySd1.array(m, c.input("input_ids"));
            int clipSkip = c.name().endsWith("clip_skip1") ? 1 : 0;
            ClipTextModel.Output out = te.forward(ids, clipSkip);
            if (clipSkip == 0) {
                c.check("last_hidden_state", TinySd1.floats(out.lastHiddenState()));
                c.check("pooler_output", TinySd1.floats(out.pooled()));
            } else {
                c.check("prompt_embeds", TinySd1.floats(out.lastHiddenState()));
            }
        }
    }

    @Test
    void tokenizedPromptsMatchTheEncoderInput() {
        Fixtures.Case c = cases().get(0);
        ClipTokenizer tok = TinySd1.tokenizer();
        long[] expected = c.input("input_ids").toLongs();
        var prompts = c.inputs().getAsJsonArray("prompts");
        for (int i = 0; i < prompts.size(); i++) {
            long[] ids = tok.inputIds(prompts.get(i).getAsString());
            for (int j = 0; j < ids.length; j++) {
                assertTrue(ids[j] == expected[i * 77 + j], "prompt " + i + " token " + j);
            }
        }
    }

    @Test
    void nativeMemoryStaysFlatOver200Encodes() {
        ClipTextModel te = TinySd1.textEncoder();
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray ids = m.zeros(new Shape(2, 77), DataType.INT64);
            int before = te.manager().getManagedArrays().size() + m.getManagedArrays().size();
            long rssBefore = 0;
            for (int i = 0; i < 200; i++) {
                try (NDScope s = new NDScope()) {
                    te.forward(ids, 0).lastHiddenState().toFloatArray();
                }
                if (i == 20) {
                    rssBefore = rssKb();
                }
            }
            int after = te.manager().getManagedArrays().size() + m.getManagedArrays().size();
            long growth = rssKb() - rssBefore;
            assertTrue(after == before, "live arrays grew from " + before + " to " + after);
            assertTrue(growth < 64 * 1024, "RSS grew by " + growth + " kB over 180 encodes");
        }
    }

    static long rssKb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return 0;
    }

    @Test
    void sd15ConfigHasTheParameterCountTransformersReports() {
        // openai/clip-vit-large-patch14's text model: 123,060,480 parameters (position_ids is a buffer, not counted)
        org.junit.jupiter.api.Assertions.assertEquals(123_060_480L,
                new ClipTextModel(ClipTextConfig.sd15(), null).parameterCount());
    }
}
