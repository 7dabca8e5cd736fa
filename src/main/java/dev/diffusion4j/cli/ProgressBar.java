package dev.diffusion4j.cli;

import java.io.PrintStream;
import java.util.function.LongSupplier;

/**
 * A one-line text progress bar with rate and ETA, redrawn in place on a terminal. A bar whose first update is past
 * the first unit (a resumed run) measures its rate from that update, like tqdm's {@code initial}, so the steps done
 * before do not count as done in this session's time.
 */
final class ProgressBar implements AutoCloseable {

    private static final int WIDTH = 30;
    private final PrintStream out;
    private final String label;
    private final String unit;
    private final LongSupplier nanoClock;
    private final long start;
    private long lastDraw;
    private long baseDone = -1;
    private long baseTime;
    private boolean open;

    ProgressBar(PrintStream out, String label, String unit) {
        this(out, label, unit, System::nanoTime);
    }

    /** @param nanoClock the time source in nanoseconds ({@code System::nanoTime}; tests pass their own) */
    ProgressBar(PrintStream out, String label, String unit, LongSupplier nanoClock) {
        this.out = out;
        this.label = label;
        this.unit = unit;
        this.nanoClock = nanoClock;
        this.start = nanoClock.getAsLong();
    }

    void update(long done, long total) {
        update(done, total, null);
    }

    /** Redraws with an extra status such as the current loss. */
    void update(long done, long total, String status) {
        long now = nanoClock.getAsLong();
        if (baseDone < 0) {
            baseDone = done <= 1 ? 0 : done;
            baseTime = done <= 1 ? start : now;
        }
        if (done < total && now - lastDraw < 100_000_000L) {
            return;
        }
        lastDraw = now;
        double secs = (now - start) / 1e9;
        long counted = done - baseDone;
        double perUnit = counted <= 0 ? 0 : (now - baseTime) / 1e9 / counted;
        int filled = total <= 0 ? 0 : (int) (WIDTH * done / total);
        String rate = counted <= 0 ? "-" : perUnit >= 1
                ? String.format("%.2f s/%s", perUnit, unit) : String.format("%.2f %s/s", 1 / perUnit, unit);
        double eta = perUnit * (total - done);
        out.printf("\r%s |%s%s| %d/%d [%s, %s, eta %s%s]", label, "█".repeat(filled), " ".repeat(WIDTH - filled),
                done, total, format(secs), rate, format(eta), status == null ? "" : ", " + status);
        open = done < total;
        if (!open) {
            out.println();
        }
        out.flush();
    }

    /** Ends an unfinished bar's line, so a following error message starts on its own line. */
    @Override
    public void close() {
        if (open) {
            out.println();
            out.flush();
            open = false;
        }
    }

    static String format(double secs) {
        long s = Math.round(secs);
        return s >= 3600 ? String.format("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format("%02d:%02d", s / 60, s % 60);
    }
}
