package dev.diffusion4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a training run does to its {@code --output} folder before and after it writes there. */
class OutputFolderTest {

    @TempDir
    Path dir;

    private TrainOptions options(boolean resume) {
        return new TrainOptions(dir, 10, 1, 1e-3f, 0, 0, 0f, 1f, 0.9f, 0, 5, 0, resume);
    }

    private static TrainingListener collect(List<String> messages) {
        return new TrainingListener() {
            @Override
            public void onStep(long step, long total, float loss) {}

            @Override
            public void onMessage(String message) {
                messages.add(message);
            }
        };
    }

    @Test
    void startRemovesTheTemporariesAnInterruptedRunLeftAndSaysSo() throws Exception {
        Files.write(dir.resolve("checkpoint.safetensors"), new byte[10]);
        Path stale = Files.write(dir.resolve(".checkpoint.safetensors.k3x9.tmp"), new byte[2_500_000]);
        Path staleExport = Files.createDirectories(dir.resolve(".model.tmp/unet"));
        Path staleInExport = Files.createDirectories(dir.resolve("model"))
                .resolve(".model_index.json.abc.tmp");
        Files.writeString(staleInExport, "{");
        Path mine = Files.writeString(dir.resolve("notes.tmp"), "not a temporary of the trainers: kept");
        List<String> messages = new ArrayList<>();
        try (OutputFolder folder = OutputFolder.open(options(true), "model", collect(messages))) {
            assertFalse(Files.exists(stale));
            assertFalse(Files.exists(staleExport.getParent()));
            assertFalse(Files.exists(staleInExport));
            assertTrue(Files.exists(mine));
            assertTrue(Files.exists(dir.resolve("checkpoint.safetensors")));
            assertTrue(messages.contains("removed " + stale + " (2.5 MB), left by an interrupted run"),
                    messages::toString);
            assertEquals(3, messages.size(), messages::toString);
        }
    }

    @Test
    void anExportMovedAsideButNotReplacedIsPutBack() throws Exception {
        Files.write(dir.resolve("checkpoint.safetensors"), new byte[10]);
        Files.createDirectories(dir.resolve(".model.old/unet"));
        List<String> messages = new ArrayList<>();
        try (OutputFolder folder = OutputFolder.open(options(true), "model", collect(messages))) {
            assertTrue(Files.isDirectory(dir.resolve("model/unet")));
            assertFalse(Files.exists(dir.resolve(".model.old")));
            assertEquals(List.of("restored " + dir.resolve("model") + " from .model.old, left by an interrupted run"),
                    messages);
        }
    }

    @Test
    void theInterruptCleanupRemovesWhatTheRunWasWriting() throws Exception {
        try (OutputFolder folder = OutputFolder.open(options(false), "vae", collect(new ArrayList<>()))) {
            Path writing = Files.write(dir.resolve(".checkpoint.safetensors.q1.tmp"), new byte[100]);
            Path exporting = Files.write(Files.createDirectories(dir.resolve("vae"))
                    .resolve(".diffusion_pytorch_model.safetensors.z2.tmp"), new byte[100]);
            folder.onInterrupt();
            assertFalse(Files.exists(writing));
            assertFalse(Files.exists(exporting));
        }
    }

    @Test
    void aSecondRunIntoTheSameFolderIsRefusedWhileTheFirstHoldsIt() throws Exception {
        try (OutputFolder first = OutputFolder.open(options(false), "vae", collect(new ArrayList<>()))) {
            Path live = Files.write(dir.resolve(".checkpoint.safetensors.live.tmp"), new byte[1]);
            IOException e = assertThrows(IOException.class,
                    () -> OutputFolder.open(options(false), "vae", collect(new ArrayList<>())));
            assertEquals("--output " + dir + " is in use by another training run (.d4j-train.lock is locked)",
                    e.getMessage());
            assertTrue(Files.exists(live), "the first run's temporary is not touched");
        }
        // released on close
        OutputFolder.open(options(false), "vae", collect(new ArrayList<>())).close();
    }
}
