package dev.diffusion4j.text;

import java.util.regex.Pattern;

/**
 * Python's {@code float(str)}, which A1111 applies to prompt weights: surrounding whitespace, a sign, Unicode decimal
 * digits, single underscores between digits, an exponent, {@code inf}/{@code infinity}/{@code nan} in any case.
 * Both Python and {@link Double#parseDouble} round correctly, so equal text gives bit-equal doubles.
 */
final class PyFloat {

    /** What Python's {@code str.isspace()} (and so {@code re}'s {@code \s} on str) accepts. */
    static final String SPACE = "[\\t\\n\\x0B\\f\\r\\x1C-\\x1F \\x85\\xA0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F"
            + "\\u205F\\u3000]";

    private static final Pattern LEADING_SPACE = Pattern.compile("^" + SPACE + "+");
    private static final Pattern TRAILING_SPACE = Pattern.compile(SPACE + "+$");
    private static final String DIGITS = "[0-9](?:_?[0-9])*";
    private static final Pattern DECIMAL = Pattern.compile(
            "[+-]?(?:" + DIGITS + "(?:\\.(?:" + DIGITS + ")?)?|\\.(" + DIGITS + "))(?:[eE][+-]?" + DIGITS + ")?");
    private static final Pattern SPECIAL = Pattern.compile("[+-]?(?:inf|infinity|nan)", Pattern.CASE_INSENSITIVE);

    private PyFloat() {}

    /** @throws NumberFormatException where Python raises {@code ValueError} */
    static double parse(String text) {
        String s = TRAILING_SPACE.matcher(LEADING_SPACE.matcher(text).replaceFirst("")).replaceFirst("");
        StringBuilder ascii = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            // Python accepts any Unicode decimal digit (category Nd), e.g. Arabic-Indic ones
            ascii.append(Character.getType(cp) == Character.DECIMAL_DIGIT_NUMBER
                    ? (char) ('0' + Character.digit(cp, 10)) : Character.toString(cp));
            i += Character.charCount(cp);
        }
        String a = ascii.toString();
        if (SPECIAL.matcher(a).matches()) {
            if (a.toLowerCase().endsWith("nan")) {
                return Double.NaN;
            }
            return a.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        }
        if (!DECIMAL.matcher(a).matches()) {
            throw new NumberFormatException("could not convert string to float: '" + text + "'");
        }
        return Double.parseDouble(a.replace("_", ""));
    }
}
