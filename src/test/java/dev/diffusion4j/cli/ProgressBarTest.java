package dev.diffusion4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The bar's rate and ETA, on a clock the test moves by hand. */
class ProgressBarTest {

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

    private String lastLine() {
        String all = bytes.toString(StandardCharsets.UTF_8);
        return all.substring(all.lastIndexOf('\r') + 1).strip();
    }

    @Test
    void aResumedBarTimesOnlyTheStepsItSaw() {
        ProgressBar bar = new ProgressBar(out, "train", "it", nanos::get);
        bar.update(4501, 4600);
        assertTrue(lastLine().contains("4501/4600 [00:00, -, eta 00:00]"), lastLine());
        nanos.addAndGet(250_000_000L);
        bar.update(4502, 4600);
        // one step in 0.25 s: 4 it/s and 98 steps left; counting the 4501 earlier steps would claim thousands of it/s
        assertTrue(lastLine().contains("4502/4600 [00:00, 4.00 it/s, eta 00:25]"), lastLine());
    }

    @Test
    void slowStepsAreShownAsSecondsPerUnitAndTheLastUpdateEndsTheLine() {
        ProgressBar bar = new ProgressBar(out, "sampling", "it", nanos::get);
        bar.update(0, 3);
        nanos.addAndGet(2_500_000_000L);
        bar.update(1, 3);
        assertTrue(lastLine().contains("1/3 [00:03, 2.50 s/it, eta 00:05]"), lastLine());
        nanos.addAndGet(50_000_000L);
        bar.update(2, 3);
        assertTrue(lastLine().contains("1/3"), "redraws within 0.1 s are skipped: " + lastLine());
        nanos.addAndGet(5_000_000_000L);
        bar.update(3, 3);
        assertTrue(bytes.toString(StandardCharsets.UTF_8).endsWith(System.lineSeparator()));
        assertTrue(lastLine().contains("3/3"), lastLine());
    }

    @Test
    void longRunsFormatHours() {
        assertEquals("1:01:01", ProgressBar.format(3661));
        assertEquals("00:59", ProgressBar.format(59.4));
    }
}
