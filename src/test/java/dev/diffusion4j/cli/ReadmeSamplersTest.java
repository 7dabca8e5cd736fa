package dev.diffusion4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.diffusion4j.schedulers.SamplerSpec;
import dev.diffusion4j.schedulers.Samplers;
import dev.diffusion4j.schedulers.SchedulerSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The README's sampler table is the registry's: a sampler added to {@code Samplers} must appear there. */
class ReadmeSamplersTest {

    static final String BEGIN = "<!-- samplers: generated from the registry, checked by ReadmeSamplersTest -->";
    static final String END = "<!-- /samplers -->";

    static List<String> table() {
        List<String> rows = new ArrayList<>();
        rows.add("| `--sampler` | A1111 name | also accepted | diffusers class | `--scheduler karras` | `--timestep-spacing` |");
        rows.add("|---|---|---|---|---|---|");
        for (SchedulerSpec s : Samplers.schedulers()) {
            for (SamplerSpec sampler : s.samplers()) {
                List<String> aliases = sampler.aliases().stream().map(a -> "`" + a + "`").toList();
                rows.add("| `" + sampler.name() + "` | " + sampler.displayName() + " | "
                        + (aliases.isEmpty() ? "" : String.join(", ", aliases)) + " | " + s.className() + " | "
                        + (s.supportsKarras() ? "yes" : "") + " | " + (s.supportsTimestepSpacing() ? "yes" : "")
                        + " |");
            }
        }
        return rows;
    }

    @Test
    void readmeListsEverySamplerOfTheRegistry() throws Exception {
        List<String> readme = Files.readAllLines(Path.of("README.md"));
        int begin = readme.indexOf(BEGIN);
        int end = readme.indexOf(END);
        assertTrue(begin >= 0 && end > begin, "README.md lacks the lines " + BEGIN + " ... " + END);
        assertEquals(String.join("\n", table()), String.join("\n", readme.subList(begin + 1, end)),
                "README.md's sampler table differs from the registry; replace it with the expected text");
    }
}
