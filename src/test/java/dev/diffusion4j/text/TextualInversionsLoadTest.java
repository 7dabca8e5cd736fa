package dev.diffusion4j.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.diffusion4j.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An embeddings folder is read once per state: unchanged files are not read and hashed again on every request. */
class TextualInversionsLoadTest {

    @Test
    void anUnchangedFolderIsReadOnceAndAChangedOneAgain(@TempDir Path dir) throws Exception {
        Path src = Fixtures.root().resolve("sd1-extras/files/embeddings");
        Files.copy(src.resolve("badhands.safetensors"), dir.resolve("badhands.safetensors"));
        TextualInversions first = TextualInversions.load(dir);
        assertSame(first, TextualInversions.load(dir));
        assertEquals(Set.of("badhands"), first.byName().keySet());

        Files.copy(src.resolve("cattoy.safetensors"), dir.resolve("cattoy.safetensors"));
        TextualInversions added = TextualInversions.load(dir);
        assertNotSame(first, added);
        assertTrue(added.byName().containsKey("cattoy"));

        Path f = dir.resolve("badhands.safetensors");
        Files.setLastModifiedTime(f, FileTime.fromMillis(Files.getLastModifiedTime(f).toMillis() + 60_000));
        assertNotSame(added, TextualInversions.load(dir), "a modified file is read again");
    }
}
