package dev.diffusion4j.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.diffusion4j.TinySd1;
import dev.diffusion4j.TinySdxl;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A1111 prompt syntax on SDXL, as properties: both encoders read the parsed prompt in 77-token chunks, each weights
 * and rescales its own output, the contexts are joined on the channel axis (32 + 32 channels in tiny-sdxl) and the
 * pooled embedding is the second encoder's, of the first chunk.
 */
class SdxlPromptSyntaxTest {

    private static final int C_L = 32;
    private static final int C = 64;
    private static final PromptOptions A1111 = new PromptOptions(0, PromptSyntax.A1111, TextualInversions.NONE);

    private static Conditioner conditioner() {
        return TinySdxl.model().conditioner();
    }

    /** context and pooled of one prompt (and optional second prompt), as floats. */
    private record Encoded(float[] context, Shape shape, float[] pooled) {}

    private static Encoded encode(String prompt, String second, PromptOptions options) {
        try (NDManager m = NDManager.newBaseManager()) {
            Conditioning c = conditioner().encode(m, List.of(prompt), second == null ? null : List.of(second), options);
            return new Encoded(TinySd1.floats(c.context()), c.context().getShape(), TinySd1.floats(c.pooled()));
        }
    }

    @Test
    void aPromptWithoutSyntaxGivesThePlainResultBitForBit() {
        for (String prompt : List.of("a red cube on a wooden table", "", "photo, high detail, 4k")) {
            Encoded plain = encode(prompt, null, PromptOptions.plain(0));
            Encoded a1111 = encode(prompt, null, A1111);
            assertEquals(new Shape(1, 77, C), a1111.shape());
            assertArrayEquals(plain.context(), a1111.context(), prompt);
            assertArrayEquals(plain.pooled(), a1111.pooled(), prompt);
        }
        Encoded plain = encode("a cat", "a dog", PromptOptions.plain(0));
        Encoded a1111 = encode("a cat", "a dog", A1111);
        assertArrayEquals(plain.context(), a1111.context());
        assertArrayEquals(plain.pooled(), a1111.pooled());
    }

    @Test
    void weightOneIsTheWordItself() {
        Encoded word = encode("a red cube", null, A1111);
        Encoded weighted = encode("a (red:1.0) cube", null, A1111);
        assertArrayEquals(word.context(), weighted.context());
        assertArrayEquals(word.pooled(), weighted.pooled());
    }

    @Test
    void breakGivesTwoChunksEncodedOnTheirOwn() {
        Encoded both = encode("a red cube BREAK a blue ball", null, A1111);
        Encoded first = encode("a red cube", null, A1111);
        Encoded second = encode("a blue ball", null, A1111);
        assertEquals(new Shape(1, 154, C), both.shape());
        int chunk = 77 * C;
        assertArrayEquals(first.context(), slice(both.context(), 0, chunk));
        assertArrayEquals(second.context(), slice(both.context(), chunk, 2 * chunk));
        // the pooled embedding is the second encoder's, of the first chunk
        assertArrayEquals(first.pooled(), both.pooled());
        assertEquals(new Shape(1, 154, C), encode("cube, ".repeat(60), null, A1111).shape());
    }

    /**
     * Before the rescale, a weight multiplies the context at its tokens only; the rescale then multiplies each
     * encoder's whole output by one factor (its mean over the factor-free mean): so per encoder, the ratio to the
     * unweighted context is one constant r outside the weighted token and 1.5·r at it, and the mean is kept.
     */
    @Test
    void emphasisScalesOnlyTheWeightedTokensThenEachEncoderIsRescaled() {
        Encoded plain = encode("a red cube", null, A1111);
        Encoded weighted = encode("a (red:1.5) cube", null, A1111);
        int redAt = 2; // BOS, "a", "red"
        double[] rescale = new double[2];
        for (int half = 0; half < 2; half++) {
            int from = half * C_L;
            double r = Double.NaN;
            double sumPlain = 0;
            double sumWeighted = 0;
            for (int t = 0; t < 77; t++) {
                for (int ch = from; ch < from + C_L; ch++) {
                    float p = plain.context()[t * C + ch];
                    float w = weighted.context()[t * C + ch];
                    sumPlain += p;
                    sumWeighted += w;
                    if (Math.abs(p) < 1e-3) {
                        continue;
                    }
                    double ratio = w / p / (t == redAt ? 1.5 : 1.0);
                    if (Double.isNaN(r)) {
                        r = ratio;
                    }
                    assertEquals(r, ratio, 1e-4 * Math.abs(r), "encoder " + (half + 1) + " token " + t + " ch " + ch);
                }
            }
            assertEquals(sumPlain, sumWeighted, 1e-4 * Math.abs(sumPlain) + 1e-3, "encoder " + (half + 1) + " mean");
            rescale[half] = r;
        }
        // each encoder is rescaled by its own mean: the two factors differ
        assertNotEquals(rescale[0], rescale[1], 1e-6);
        assertArrayEquals(plain.pooled(), weighted.pooled(), "emphasis leaves the pooled embedding alone");
    }

    /** A second prompt goes to the second encoder only (diffusers' prompt_2), parsed with the same syntax. */
    @Test
    void aSecondPromptReachesOnlyTheSecondEncoder() {
        Encoded same = encode("a (red:1.3) cube", null, A1111);
        Encoded other = encode("a (red:1.3) cube", "a [blue] ball BREAK night", A1111);
        assertEquals(new Shape(1, 154, C), other.shape());
        Encoded secondAlone = encode("a [blue] ball BREAK night", null, A1111);
        Encoded empty = encode("", null, A1111);
        for (int t = 0; t < 154; t++) {
            for (int ch = 0; ch < C; ch++) {
                float got = other.context()[t * C + ch];
                if (ch < C_L) {
                    // the first encoder: the first prompt, its second chunk empty
                    float want = t < 77 ? same.context()[t * C + ch] : empty.context()[(t - 77) * C + ch];
                    assertEquals(want, got, "token " + t + " ch " + ch);
                } else {
                    assertEquals(secondAlone.context()[t * C + ch], got, "token " + t + " ch " + ch);
                }
            }
        }
        assertArrayEquals(secondAlone.pooled(), other.pooled());
    }

    private static float[] slice(float[] a, int from, int to) {
        float[] out = new float[to - from];
        System.arraycopy(a, from, out, 0, out.length);
        return out;
    }
}
