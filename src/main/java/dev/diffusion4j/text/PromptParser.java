package dev.diffusion4j.text;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * AUTOMATIC1111's attention syntax ({@code modules/prompt_parser.py}, {@code parse_prompt_attention}), re-implemented
 * with the same token grammar, the same order of multiplications (so weights are bit-equal doubles) and the same
 * quirks:
 * <ul>
 *   <li>{@code (x)} multiplies by 1.1, {@code [x]} by {@code 1 / 1.1}, {@code (x:w)} by {@code w}; nesting
 *       multiplies, innermost bracket first.</li>
 *   <li>{@code \(}, {@code \)}, {@code \[}, {@code \]}, {@code \\} are the literal character; a backslash before
 *       anything else vanishes.</li>
 *   <li>A closing bracket with no open one, and {@code :} outside {@code (x:w)}, are literal text.</li>
 *   <li>Brackets still open at the end are closed there: every round one (outermost first), then every square
 *       one, each multiplying everything after its opening.</li>
 *   <li>{@code BREAK} as a whole word, with the whitespace around it, becomes the run {@code ("BREAK", -1)}; it
 *       splits the text on either side, so e.g. {@code "a BREAK b"} gives {@code a}, BREAK, {@code b} and
 *       {@code "x BREAK"} gives {@code x}, BREAK, {@code ""}. Inside brackets its weight is multiplied too, and it
 *       then no longer counts as a break (A1111 behaves so).</li>
 *   <li>Adjacent runs of exactly equal weight are merged; a prompt with no runs gives {@code [("", 1.0)]}.</li>
 * </ul>
 * A weight that is not a Python float (e.g. {@code (a:1.2.3)}) makes A1111 raise; here it is an
 * {@link IllegalArgumentException}.
 */
public final class PromptParser {

    private static final double ROUND_MULTIPLIER = 1.1;
    private static final double SQUARE_MULTIPLIER = 1 / 1.1;

    /**
     * A1111's {@code re_attention}, alternatives in its order (first match wins). {@code \d} is Unicode's decimal
     * digits as in Python 3's {@code re}; {@code \s} is spelled out as Python's whitespace.
     */
    private static final Pattern ATTENTION = Pattern.compile(String.join("|",
            "\\\\\\(", "\\\\\\)", "\\\\\\[", "\\\\\\]", "\\\\\\\\", "\\\\",
            "\\(", "\\[",
            ":" + PyFloat.SPACE + "*([+-]?[.\\p{Nd}]+)" + PyFloat.SPACE + "*\\)",
            "\\)", "\\]",
            "[^\\\\()\\[\\]:]+",
            ":"));

    /**
     * A1111's {@code re_break}, {@code \s*\bBREAK\b\s*}: the word boundaries are lookarounds over Python's word
     * characters (letters, numbers, underscore), since B and K are word characters themselves.
     */
    private static final Pattern BREAK = Pattern.compile(
            PyFloat.SPACE + "*(?<![\\p{L}\\p{N}_])BREAK(?![\\p{L}\\p{N}_])" + PyFloat.SPACE + "*");

    private PromptParser() {}

    /** The prompt's runs of text with their weights, as A1111 returns them. */
    public static List<WeightedText> parse(String prompt) {
        List<String> texts = new ArrayList<>();
        List<Double> weights = new ArrayList<>();
        List<Integer> roundOpen = new ArrayList<>();
        List<Integer> squareOpen = new ArrayList<>();
        Matcher m = ATTENTION.matcher(prompt);
        while (m.find()) {
            String token = m.group();
            String weight = m.group(1);
            if (token.startsWith("\\")) {
                texts.add(token.substring(1));
                weights.add(1.0);
            } else if (token.equals("(")) {
                roundOpen.add(texts.size());
            } else if (token.equals("[")) {
                squareOpen.add(texts.size());
            } else if (weight != null && !roundOpen.isEmpty()) {
                multiplyFrom(weights, pop(roundOpen), parseWeight(weight, token));
            } else if (token.equals(")") && !roundOpen.isEmpty()) {
                multiplyFrom(weights, pop(roundOpen), ROUND_MULTIPLIER);
            } else if (token.equals("]") && !squareOpen.isEmpty()) {
                multiplyFrom(weights, pop(squareOpen), SQUARE_MULTIPLIER);
            } else {
                addSplitAtBreaks(token, texts, weights);
            }
        }
        for (int start : roundOpen) {
            multiplyFrom(weights, start, ROUND_MULTIPLIER);
        }
        for (int start : squareOpen) {
            multiplyFrom(weights, start, SQUARE_MULTIPLIER);
        }
        if (texts.isEmpty()) {
            return List.of(new WeightedText("", 1.0));
        }
        return merge(texts, weights);
    }

    /** Python's {@code re.split(re_break, text)}: the pieces between matches, empty ones included. */
    private static void addSplitAtBreaks(String text, List<String> texts, List<Double> weights) {
        Matcher m = BREAK.matcher(text);
        int from = 0;
        while (m.find()) {
            texts.add(text.substring(from, m.start()));
            weights.add(1.0);
            texts.add("BREAK");
            weights.add(WeightedText.BREAK_WEIGHT);
            from = m.end();
        }
        texts.add(text.substring(from));
        weights.add(1.0);
    }

    private static double parseWeight(String weight, String token) {
        try {
            return PyFloat.parse(weight);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("prompt weight \"" + token + "\": " + e.getMessage(), e);
        }
    }

    private static void multiplyFrom(List<Double> weights, int start, double multiplier) {
        for (int i = start; i < weights.size(); i++) {
            weights.set(i, weights.get(i) * multiplier);
        }
    }

    private static int pop(List<Integer> stack) {
        return stack.remove(stack.size() - 1);
    }

    /** Runs of exactly equal weight joined, left to right, as A1111's final loop does. */
    private static List<WeightedText> merge(List<String> texts, List<Double> weights) {
        List<WeightedText> out = new ArrayList<>();
        StringBuilder text = new StringBuilder(texts.get(0));
        double weight = weights.get(0);
        for (int i = 1; i < texts.size(); i++) {
            if (weights.get(i) == weight) {
                text.append(texts.get(i));
            } else {
                out.add(new WeightedText(text.toString(), weight));
                text.setLength(0);
                text.append(texts.get(i));
                weight = weights.get(i);
            }
        }
        out.add(new WeightedText(text.toString(), weight));
        return List.copyOf(out);
    }
}
