package dev.diffusion4j.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Grammar corner cases of A1111's {@code parse_prompt_attention}. Each expectation was worked out by stepping through
 * A1111's algorithm by hand (tokens of {@code re_attention}, the bracket stacks, the final closing and merging);
 * where the order of multiplications decides the last bit, the expected weight is written as that product.
 */
class PromptParserTest {

    private static final double R = 1.1;
    private static final double S = 1 / 1.1;
    private static final double BREAK = -1;

    static Stream<Arguments> cases() {
        return Stream.of(
                c("", "", 1.0),
                c("a cat", "a cat", 1.0),
                c("   ", "   ", 1.0),
                c("(a cat:1.5) on a [mat]", "a cat", 1.5, " on a ", 1.0, "mat", 0.9090909090909091),
                c("((house))", "house", 1.2100000000000002),
                c("(a", "a", R),                                  // closed at the end
                c("[a", "a", S),
                c("a)", "a)", 1.0),                               // stray closer is text, merged with "a"
                c("a]", "a]", 1.0),
                c("((a)", "a", R * R),                            // inner closed, outer closed at the end
                c("([a", "a", 1.0 * R * S),                       // at the end round brackets first, then square
                c("[(a", "a", 1.0 * R * S),
                c("(a [b] c)", "a ", R, "b", S * R, " c", R),
                c("(a)(b)", "ab", R),                             // equal adjacent weights merge
                c("(a) (a)", "a", R, " ", 1.0, "a", R),
                c("()", "", 1.0),                                 // nothing at all: the default run
                c("\\(a\\)", "(a)", 1.0),
                c("\\[x\\]", "[x]", 1.0),
                c("\\\\", "\\", 1.0),
                c("a \\ b", "a  b", 1.0),                         // a lone backslash vanishes
                c("(\\(a\\))", "(a)", R),                         // literals inside brackets are weighted
                c("a:b", "a:b", 1.0),
                c("((a:1.5))", "a", 1.5 * R),
                c("(a:1.5:2)", "a:1.5", 2.0),                     // only the last ":w)" is a weight
                c("(a: 1.2 )", "a", 1.2),
                c("(a:-0.5)", "a", -0.5),
                c("(a:.5)", "a", 0.5),
                c("[a:0.5]", "a:0.5", S),                         // square brackets take no weight
                c("a:1.5)", "a:1.5)", 1.0),                       // a weight with no open bracket is text
                c("BREAK a", "", 1.0, "BREAK", BREAK, "a", 1.0),
                c("a BREAK", "a", 1.0, "BREAK", BREAK, "", 1.0),
                c("a BREAK b", "a", 1.0, "BREAK", BREAK, "b", 1.0),
                c("a\nBREAK\n b", "a", 1.0, "BREAK", BREAK, "b", 1.0),
                c("a BREAK BREAK b", "a", 1.0, "BREAK", BREAK, "", 1.0, "BREAK", BREAK, "b", 1.0),
                c("aBREAKb", "aBREAKb", 1.0),
                c("a_BREAK b", "a_BREAK b", 1.0),
                c("BREAKfast", "BREAKfast", 1.0),
                c("a break b", "a break b", 1.0),                 // case-sensitive
                c("((house)) BREAK garden", "house", 1.2100000000000002, "", 1.0, "BREAK", BREAK, "garden", 1.0),
                c("(a BREAK b)", "a", R, "BREAK", BREAK * R, "b", R),
                c("<lora:x:0.5>", "<lora:x:0.5>", 1.0));          // tags are ExtraNetworks' job, before parsing
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("cases")
    void parsesLikeA1111(String prompt, List<WeightedText> expected) {
        List<WeightedText> actual = PromptParser.parse(prompt);
        assertEquals(expected.size(), actual.size(), () -> prompt + " -> " + actual);
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i).text(), actual.get(i).text(), prompt + " run " + i);
            assertEquals(Double.doubleToLongBits(expected.get(i).weight()),
                    Double.doubleToLongBits(actual.get(i).weight()),
                    prompt + " run " + i + ": expected " + expected.get(i).weight() + ", got " + actual.get(i).weight());
        }
    }

    @Test
    void breakInsideBracketsIsNoLongerABreak() {
        List<WeightedText> runs = PromptParser.parse("(a BREAK b)");
        assertFalse(runs.get(1).isBreak());
        assertTrue(PromptParser.parse("a BREAK b").get(1).isBreak());
    }

    @Test
    void malformedWeightNamesIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PromptParser.parse("(a:1.2.3)"));
        assertTrue(e.getMessage().contains(":1.2.3)"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PromptParser.parse("(a:.)"));
    }

    @Test
    void unicodeDigitsAreWeights() {
        // Python's re \d and float() both take any decimal digit
        assertEquals(List.of(new WeightedText("a", 1.5)), PromptParser.parse("(a:\u0661.\u0665)"));
    }

    private static Arguments c(String prompt, Object... runs) {
        List<WeightedText> expected = new ArrayList<>();
        for (int i = 0; i < runs.length; i += 2) {
            expected.add(new WeightedText((String) runs[i], ((Number) runs[i + 1]).doubleValue()));
        }
        return Arguments.of(prompt, expected);
    }
}
