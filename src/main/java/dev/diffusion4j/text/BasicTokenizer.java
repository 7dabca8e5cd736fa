package dev.diffusion4j.text;

import java.text.Normalizer;
import java.util.Locale;

/**
 * The text clean-up that HF's slow {@code CLIPTokenizer} applies when ftfy is not installed: its copy of BERT's
 * {@code BasicTokenizer} with {@code strip_accents=False, do_split_on_punc=False}, whose words are then re-joined with
 * single spaces. This is what the reference environment (and diffusers without ftfy) runs, so ids match only if these
 * steps run in this order:
 * <ol>
 *   <li>drop U+0000, U+FFFD and every category C* character except tab, newline and carriage return (so a form feed
 *       or a zero-width space joins its neighbours), and turn tab/newline/CR and category Zs into a space;</li>
 *   <li>put spaces around CJK ideographs (BERT's {@code _is_chinese_char} ranges, not kana or hangul);</li>
 *   <li>NFC-normalise;</li>
 *   <li>split on Python whitespace ({@code str.split()}), lowercase each word (no accent stripping), join with one
 *       space.</li>
 * </ol>
 * Punctuation is not split here: the CLIP regex does that later, keeping contractions like {@code 't} whole.
 */
final class BasicTokenizer {

    private BasicTokenizer() {}

    static String normalize(String text) {
        String cleaned = Normalizer.normalize(spaceOutCjk(clean(text)), Normalizer.Form.NFC);
        StringBuilder out = new StringBuilder(cleaned.length());
        int i = 0;
        while (i < cleaned.length()) {
            int start = skipSpaces(cleaned, i);
            int end = start;
            while (end < cleaned.length() && !isPythonSpace(cleaned.codePointAt(end))) {
                end += Character.charCount(cleaned.codePointAt(end));
            }
            if (end > start) {
                if (out.length() > 0) {
                    out.append(' ');
                }
                // Lowercased word by word, like BasicTokenizer: Greek final sigma depends on the word's end.
                out.append(cleaned.substring(start, end).toLowerCase(Locale.ROOT));
            }
            i = end;
        }
        return out.toString();
    }

    private static String clean(String text) {
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints().forEach(cp -> {
            if (cp == 0 || cp == 0xFFFD || isControl(cp)) {
                return;
            }
            if (isWhitespace(cp)) {
                out.append(' ');
            } else {
                out.appendCodePoint(cp);
            }
        });
        return out.toString();
    }

    private static String spaceOutCjk(String text) {
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints().forEach(cp -> {
            if (isCjkIdeograph(cp)) {
                out.append(' ').appendCodePoint(cp).append(' ');
            } else {
                out.appendCodePoint(cp);
            }
        });
        return out.toString();
    }

    private static int skipSpaces(String s, int i) {
        while (i < s.length() && isPythonSpace(s.codePointAt(i))) {
            i += Character.charCount(s.codePointAt(i));
        }
        return i;
    }

    /** BERT's {@code _is_control}: category C* (Cc, Cf, Cs, Co, Cn) other than tab, newline, carriage return. */
    private static boolean isControl(int cp) {
        if (cp == '\t' || cp == '\n' || cp == '\r') {
            return false;
        }
        return switch (Character.getType(cp)) {
            case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.PRIVATE_USE,
                    Character.UNASSIGNED -> true;
            default -> false;
        };
    }

    /** BERT's {@code _is_whitespace}: space, tab, newline, CR, or category Zs. */
    private static boolean isWhitespace(int cp) {
        return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r'
                || Character.getType(cp) == Character.SPACE_SEPARATOR;
    }

    /**
     * Python's {@code str.isspace}, which {@code str.split()} uses: category Zs or bidi class WS/B/S. Besides the
     * characters {@link #clean} already turned into spaces or dropped, that leaves U+2028 and U+2029.
     */
    private static boolean isPythonSpace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20) || cp == 0x85
                || switch (Character.getType(cp)) {
                    case Character.SPACE_SEPARATOR, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR -> true;
                    default -> false;
                };
    }

    /** BERT's {@code _is_chinese_char}: the CJK Unified Ideographs blocks and their extensions/compatibility forms. */
    private static boolean isCjkIdeograph(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF)
                || (cp >= 0x3400 && cp <= 0x4DBF)
                || (cp >= 0x20000 && cp <= 0x2A6DF)
                || (cp >= 0x2A700 && cp <= 0x2B73F)
                || (cp >= 0x2B740 && cp <= 0x2B81F)
                || (cp >= 0x2B820 && cp <= 0x2CEAF)
                || (cp >= 0xF900 && cp <= 0xFAFF)
                || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }
}
