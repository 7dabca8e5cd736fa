package dev.diffusion4j.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Checks shared by the trainers before any work starts. */
final class Trainers {

    private Trainers() {}

    /**
     * The output folder must be creatable and writable; an existing checkpoint there is only continued with
     * {@code --resume}, never overwritten.
     */
    static void prepareOutput(TrainOptions o) throws IOException {
        Path out = o.output();
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new IOException("cannot create output folder " + out + ": " + e.getMessage(), e);
        }
        if (!Files.isWritable(out)) {
            throw new IOException("output folder is not writable: " + out);
        }
        if (!o.resume() && Files.exists(o.checkpointFile())) {
            throw new IOException(o.checkpointFile() + " already exists: pass --resume to continue it, or choose "
                    + "another --output");
        }
    }
}
