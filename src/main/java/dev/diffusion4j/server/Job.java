package dev.diffusion4j.server;

import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;

/**
 * One queued unit of work and everything clients read about it: state, step progress, the latest preview, the
 * result or the failure. Written by the worker, read by request threads (hence volatile fields).
 */
final class Job {

    enum State { QUEUED, RUNNING, DONE, FAILED, CANCELLED;
        String json() {
            return name().toLowerCase();
        }
        boolean finished() {
            return this == DONE || this == FAILED || this == CANCELLED;
        }
    }

    /** What the worker runs: a generation, or a model switch (which waits its turn like one). */
    interface Work {
        void run(Job job, ModelHost host) throws Exception;
    }

    final String id = UUID.randomUUID().toString().replace("-", "");
    /** A1111's {@code job_timestamp}: when the job was accepted, {@code yyyyMMddHHmmss}. */
    final String timestamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMddHHmmss"));
    final String kind;
    final JobSpec spec;
    final Work work;
    final CompletableFuture<Job> done = new CompletableFuture<>();
    private final List<BiConsumer<String, String>> listeners = new CopyOnWriteArrayList<>();

    volatile State state = State.QUEUED;
    volatile long startNanos;
    volatile int iteration;
    volatile int step;
    volatile int steps;
    volatile boolean interrupted;
    volatile boolean skipped;
    volatile boolean cancelled;
    /** Set when someone reads previews; the worker makes them only then. */
    volatile long previewWantedUntil;
    volatile byte[] preview;
    volatile int previewStep = -1;
    volatile JobResult result;
    volatile String error;

    Job(String kind, JobSpec spec, Work work) {
        this.kind = kind;
        this.spec = spec;
        this.work = work;
    }

    int iterations() {
        return spec == null ? 1 : spec.iterations();
    }

    /** A1111's progress: 0.01 + finished runs + the fraction of the current run, over the runs. */
    double progress() {
        if (state == State.DONE) return 1;
        if (state != State.RUNNING) return 0;
        int n = iterations();
        double p = 0.01 + (double) iteration / n + (steps > 0 ? (double) step / steps / n : 0);
        return Math.min(p, 1);
    }

    /** Seconds left, extrapolated from the time so far, as A1111's {@code eta_relative}. */
    double etaSeconds() {
        if (state != State.RUNNING) return 0;
        double elapsed = (System.nanoTime() - startNanos) / 1e9;
        double p = progress();
        return Math.max(0, elapsed / p - elapsed);
    }

    boolean stopRequested() {
        return interrupted || skipped || cancelled;
    }

    void wantPreviews() {
        previewWantedUntil = System.nanoTime() + 5_000_000_000L;
    }

    boolean previewsWanted() {
        return !listeners.isEmpty() || System.nanoTime() - previewWantedUntil < 0;
    }

    /** Subscribes to events (name, JSON data) until {@link #unsubscribe}. */
    void subscribe(BiConsumer<String, String> listener) {
        listeners.add(listener);
    }

    void unsubscribe(BiConsumer<String, String> listener) {
        listeners.remove(listener);
    }

    void emit(String event, String data) {
        for (BiConsumer<String, String> l : listeners) {
            try {
                l.accept(event, data);
            } catch (RuntimeException e) {
                // a client that went away: drop it, the job goes on
                listeners.remove(l);
            }
        }
    }

    void finish(State s) {
        state = s;
        done.complete(this);
    }
}
