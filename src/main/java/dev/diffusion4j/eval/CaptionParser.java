package dev.diffusion4j.eval;

import dev.diffusion4j.shapes.Colour;
import dev.diffusion4j.shapes.Region;
import dev.diffusion4j.shapes.Relation;
import dev.diffusion4j.shapes.ShapeKind;
import dev.diffusion4j.shapes.ShapeSize;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Recursive-descent parser of the shapes-world caption grammar. The vocabulary comes from the world's own enums, so
 * the parser reads exactly the words the captions are written with. It is lenient only where a person typing a
 * prompt would be: case, repeated spaces, a final full stop, "a"/"an" used interchangeably, and "centre".
 */
final class CaptionParser {

    private static final List<String> NUMERALS = List.of("one", "two", "three");

    private final String text;
    private final String[] words;
    private int at;

    private CaptionParser(String text) {
        this.text = text;
        String cleaned = text.trim().toLowerCase(Locale.ROOT);
        if (cleaned.endsWith(".")) {
            cleaned = cleaned.substring(0, cleaned.length() - 1).trim();
        }
        this.words = cleaned.isEmpty() ? new String[0] : cleaned.split("\\s+");
    }

    static PromptSpec parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("prompt must not be null");
        }
        return new CaptionParser(text).caption();
    }

    static String numeral(int count) {
        if (count < 1 || count > NUMERALS.size()) {
            throw new IllegalArgumentException("the grammar counts from one to three, got " + count);
        }
        return NUMERALS.get(count - 1);
    }

    private PromptSpec caption() {
        ObjectSpec first = object();
        if (at == words.length) {
            return new PromptSpec(first.count() > 1 ? Category.COUNTING : Category.SINGLE, List.of(first), null, null);
        }
        if (first.count() > 1) {
            throw error("nothing may follow a counted group");
        }
        if (accept("and")) {
            ObjectSpec second = single("and");
            return end(new PromptSpec(Category.TWO_OBJECTS, List.of(first, second), null, null));
        }
        for (Region region : Region.values()) {
            if (accept(region.phrase()) || (region == Region.CENTER && accept("in the centre"))) {
                return end(new PromptSpec(Category.POSITION, List.of(first), region, null));
            }
        }
        for (Relation relation : Relation.values()) {
            if (accept(relation.phrase())) {
                ObjectSpec second = single(relation.phrase());
                return end(new PromptSpec(Category.RELATION, List.of(first, second), null, relation));
            }
        }
        throw error("expected 'and', a region ("
                + Arrays.stream(Region.values()).map(Region::phrase).collect(Collectors.joining(", "))
                + ") or a relation ("
                + Arrays.stream(Relation.values()).map(Relation::phrase).collect(Collectors.joining(", ")) + ")");
    }

    /** object := [det] [size] colour kind; a numeral above one makes the kind plural. */
    private ObjectSpec object() {
        int count = 1;
        boolean exact = false;
        boolean article = accept("a") || accept("an");
        if (!article && at < words.length && NUMERALS.contains(words[at])) {
            count = NUMERALS.indexOf(words[at++]) + 1;
            exact = true;
        }
        ShapeSize size = at < words.length ? ShapeSize.fromWord(words[at]) : null;
        if (size != null) {
            at++;
        }
        Colour colour = at < words.length ? Colour.fromWord(words[at]) : null;
        if (colour == null) {
            throw error("expected a colour (" + Arrays.stream(Colour.values()).map(Colour::word)
                    .collect(Collectors.joining(", ")) + ")");
        }
        at++;
        ShapeKind kind = at < words.length ? ShapeKind.fromWord(words[at]) : null;
        if (kind == null) {
            throw error("expected a shape (circle, square, triangle)");
        }
        String expected = count > 1 ? kind.plural() : kind.word();
        if (!words[at].equals(expected)) {
            throw error("expected '" + expected + "' after " + (count > 1 ? "a count of " + count : "a single object"));
        }
        at++;
        return new ObjectSpec(colour, kind, size, count, exact);
    }

    private ObjectSpec single(String after) {
        ObjectSpec object = object();
        if (object.count() > 1) {
            throw new IllegalArgumentException("'" + text + "': the object after '" + after + "' must be single");
        }
        return object;
    }

    private PromptSpec end(PromptSpec spec) {
        if (at != words.length) {
            throw error("expected the end of the prompt");
        }
        return spec;
    }

    /** Consumes the words of {@code phrase} if they come next. */
    private boolean accept(String phrase) {
        String[] expected = phrase.split(" ");
        if (at + expected.length > words.length) {
            return false;
        }
        for (int i = 0; i < expected.length; i++) {
            if (!words[at + i].equals(expected[i])) {
                return false;
            }
        }
        at += expected.length;
        return true;
    }

    private IllegalArgumentException error(String expected) {
        String found = at < words.length ? "'" + words[at] + "' (word " + (at + 1) + ")" : "the end";
        return new IllegalArgumentException("cannot parse prompt '" + text + "': " + expected + ", found " + found);
    }
}
