package dev.diffusion4j.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.diffusion4j.Fixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** merges.txt lines split on whitespace runs as transformers' {@code merge.split()} does. */
class ClipTokenizerMergesTest {

    @TempDir
    Path dir;

    private Path copyWithMerges(String name, java.util.function.UnaryOperator<String> edit) throws IOException {
        Path src = Fixtures.tinySd1().resolve("tokenizer");
        Path out = Files.createDirectories(dir.resolve(name));
        try (var files = Files.list(src)) {
            for (Path f : files.toList()) {
                Files.copy(f, out.resolve(f.getFileName().toString()));
            }
        }
        List<String> lines = Files.readAllLines(out.resolve("merges.txt"), StandardCharsets.UTF_8);
        for (int i = 1; i < lines.size(); i++) {
            lines.set(i, edit.apply(lines.get(i)));
        }
        Files.write(out.resolve("merges.txt"), lines, StandardCharsets.UTF_8);
        return out;
    }

    @Test
    void tabsAndRunsOfSpacesSeparateLikeOneSpace() throws IOException {
        ClipTokenizer plain = ClipTokenizer.load(Fixtures.tinySd1().resolve("tokenizer"));
        ClipTokenizer spaced = ClipTokenizer.load(copyWithMerges("spaced", l -> " " + l.replace(" ", " \t  ") + " "));
        for (String prompt : new String[] {"a photograph of an astronaut riding a horse", "two green squares above"}) {
            assertEquals(plain.encode(prompt), spaced.encode(prompt), prompt);
        }
    }

    @Test
    void aLineWithoutTwoSymbolsNamesFileAndLine() throws IOException {
        for (String bad : new String[] {"abc", "a b c"}) {
            Path tok = copyWithMerges(bad.replace(' ', '_'), l -> l.equals("t h") ? bad : l);
            IOException e = assertThrows(IOException.class, () -> ClipTokenizer.load(tok));
            assertTrue(e.getMessage().contains("merges.txt:3: expected two symbols, got \"" + bad + "\""),
                    e.getMessage());
        }
    }
}
