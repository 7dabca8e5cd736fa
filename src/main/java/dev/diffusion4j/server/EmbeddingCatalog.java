package dev.diffusion4j.server;

import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import dev.diffusion4j.models.ModelSpec;
import dev.diffusion4j.text.TextualInversion;
import dev.diffusion4j.text.TextualInversions;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The textual-inversion embeddings of {@code --embeddings-dir}, listed as A1111's {@code GET /sdapi/v1/embeddings}:
 * {@code loaded} holds those whose vectors fit the loaded model's text encoders (one-tensor files of the encoder's
 * width for SD 1.x/2.x, {@code clip_l}/{@code clip_g} files of the two widths for SDXL), {@code skipped} the others,
 * each {@code {step, sd_checkpoint, sd_checkpoint_name, shape, vectors}} with A1111's shape (for SDXL files the two
 * widths added). Training step and checkpoint are not read from the files, so they are null. Every request reads the
 * folder as it is; {@code POST /sdapi/v1/refresh-embeddings} rescans the list.
 */
final class EmbeddingCatalog {

    private final Path dir;
    private volatile TextualInversions embeddings = TextualInversions.NONE;

    /** @throws IOException naming a file that is not an embedding, or two with the same trigger */
    EmbeddingCatalog(Path dir) throws IOException {
        this.dir = dir;
        refresh();
    }

    /** The folder every request reads its embeddings from, or null when the server has none. */
    Path dir() {
        return dir;
    }

    synchronized void refresh() throws IOException {
        if (dir != null) {
            embeddings = TextualInversions.load(dir);
        }
    }

    JsonObject list(ModelSpec model) {
        JsonObject loaded = new JsonObject();
        JsonObject skipped = new JsonObject();
        boolean xl = model.textEncoder2() != null;
        int width = model.textEncoder().hiddenSize() + (xl ? model.textEncoder2().hiddenSize() : 0);
        for (TextualInversion e : embeddings.byName().values()) {
            JsonObject o = new JsonObject();
            o.add("step", JsonNull.INSTANCE);
            o.add("sd_checkpoint", JsonNull.INSTANCE);
            o.add("sd_checkpoint_name", JsonNull.INSTANCE);
            o.addProperty("shape", e.width());
            o.addProperty("vectors", e.vectors());
            (e.sdxl() == xl && e.width() == width ? loaded : skipped).add(e.name(), o);
        }
        JsonObject out = new JsonObject();
        out.add("loaded", loaded);
        out.add("skipped", skipped);
        return out;
    }
}
