package dev.diffusion4j.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProgressBarTest {

    @Test
    void aResumedBarTimesOnlyTheStepsItSaw() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        ProgressBar bar = new ProgressBar(out, "train", "it");
        bar.update(4501, 4600);
        assertTrue(bytes.toString(StandardCharsets.UTF_8).contains("4501/4600 [00:00, -, eta 00:00]"), bytes::toString);
        Thread.sleep(150);
        bar.update(4502, 4600);
        String line = bytes.toString(StandardCharsets.UTF_8);
        line = line.substring(line.lastIndexOf('\r'));
        // one step in ≥ 0.15 s: ≤ 6.7 it/s; counting the 4501 earlier steps would claim thousands of it/s
        double rate = Double.parseDouble(line.replaceAll(".*, ([0-9.]+) it/s.*", "$1").strip());
        assertTrue(rate > 0.2 && rate < 7, line);
        long eta = Long.parseLong(line.replaceAll(".*eta 00:([0-9]{2})].*", "$1").strip());
        assertTrue(Math.abs(eta - 98 / rate) <= 1, line);
    }
}
