package dev.diffusion4j.server;

import dev.diffusion4j.tensor.Engines;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CancellationException;

/**
 * A bounded FIFO of jobs in front of one worker thread, the only thread that touches the loaded model: one
 * generation runs at a time (the CPU is the limit) and at most {@code capacity} wait behind it; more are refused
 * with 429. A job that fails is reported and the worker goes on. Finished jobs stay findable for a while.
 */
final class JobQueue implements AutoCloseable {

    /** Finished jobs kept for {@code GET /v1/jobs/{id}} and their images. */
    static final int HISTORY = 64;

    private final int capacity;
    private final ModelHost host;
    private final Deque<Job> waiting = new ArrayDeque<>();
    private final Map<String, Job> jobs = new LinkedHashMap<>();
    private final Thread worker;
    private Job running;
    private boolean closed;
    /** Mean seconds per finished job (exponentially weighted), for Retry-After. */
    private double meanSeconds = 1;

    JobQueue(int capacity, ModelHost host) {
        this.capacity = capacity;
        this.host = host;
        this.worker = new Thread(this::work, "d4j-worker");
        worker.setDaemon(true);
        worker.start();
    }

    /** Accepts a job, or refuses it with 429 and the seconds after which to retry when the queue is full. */
    synchronized Job submit(Job job) {
        if (closed) {
            throw new ApiException(503, "the server is shutting down");
        }
        if (waiting.size() >= capacity) {
            throw new QueueFullException(capacity, retryAfterSeconds());
        }
        waiting.add(job);
        remember(job);
        notifyAll();
        return job;
    }

    /** Seconds until a slot is likely free: when the running job ends, at the mean job time. */
    synchronized int retryAfterSeconds() {
        return (int) Math.max(1, Math.ceil(meanSeconds));
    }

    synchronized Job find(String id) {
        return jobs.get(id);
    }

    synchronized Job running() {
        return running;
    }

    synchronized int waitingCount() {
        return waiting.size();
    }

    /** Jobs waiting and running, as A1111's queue. */
    synchronized Collection<Job> active() {
        Deque<Job> all = new ArrayDeque<>(waiting);
        if (running != null) all.addFirst(running);
        return all;
    }

    /** Cancels a job: a queued one leaves the queue at once, a running one stops before its next step. */
    synchronized void cancel(Job job) {
        if (waiting.remove(job)) {
            job.finish(Job.State.CANCELLED);
            job.emit("done", JobJson.status(job).toString());
        } else if (job == running) {
            job.cancelled = true;
        }
    }

    /** A1111's interrupt: the running job stops within a step and keeps what it has; the queue goes on. */
    synchronized void interrupt() {
        if (running != null) running.interrupted = true;
    }

    /** A1111's skip: the running job's current iteration stops; its next one runs. */
    synchronized void skip() {
        if (running != null) running.skipped = true;
    }

    private void remember(Job job) {
        jobs.put(job.id, job);
        if (jobs.size() > HISTORY + capacity + 1) {
            jobs.values().removeIf(j -> j.state.finished() && jobs.size() > HISTORY + capacity + 1);
        }
    }

    private void work() {
        Engines.inferenceThread();
        while (true) {
            Job job;
            synchronized (this) {
                while (waiting.isEmpty() && !closed) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (closed) return;
                job = waiting.poll();
                running = job;
                job.startNanos = System.nanoTime();
                job.state = Job.State.RUNNING;
            }
            Job.State end = run(job);
            synchronized (this) {
                running = null;
                meanSeconds = 0.7 * meanSeconds + 0.3 * (System.nanoTime() - job.startNanos) / 1e9;
            }
            job.finish(end);
            job.emit("done", JobJson.status(job).toString());
        }
    }

    private Job.State run(Job job) {
        try {
            job.work.run(job, host);
            return job.cancelled && job.result == null ? Job.State.CANCELLED : Job.State.DONE;
        } catch (CancellationException e) {
            return Job.State.CANCELLED;
        } catch (ApiException e) {
            job.error = e.getMessage();
            return Job.State.FAILED;
        } catch (Exception | OutOfMemoryError e) {
            // one line for the client and the log; the worker lives on
            String m = e.getMessage();
            job.error = (m == null || m.isBlank() ? e.getClass().getSimpleName() : m);
            System.err.println("d4j serve: job " + job.id + " failed: " + job.error);
            return Job.State.FAILED;
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            if (running != null) running.cancelled = true;
            for (Job j : waiting) {
                j.finish(Job.State.CANCELLED);
            }
            waiting.clear();
            notifyAll();
        }
        try {
            worker.join(60_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** 429: the queue is full. */
    static final class QueueFullException extends ApiException {
        final int retryAfter;

        QueueFullException(int capacity, int retryAfter) {
            super(429, "the queue is full (" + capacity + " waiting); retry after " + retryAfter + " s");
            this.retryAfter = retryAfter;
        }
    }
}
