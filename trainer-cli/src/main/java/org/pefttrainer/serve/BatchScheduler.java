package org.pefttrainer.serve;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.pefttrainer.core.generate.GenerationConfig;
import org.pefttrainer.core.tensor.GradMode;
import org.pefttrainer.inference.Completion;
import org.pefttrainer.inference.InferenceEngine;
import org.pefttrainer.peft.registry.AdapterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Batches concurrent generate requests: a queue and one worker thread that takes the oldest request, then waits up
 * to {@code batchWaitMs} for more requests with the same decoding settings (up to {@code maxBatchSize} in all) and
 * runs them as one mixed-adapter generate call. Requests with other settings stay queued, in order, for a later
 * batch. The worker is the only thread that runs the model. The queue holds at most {@code maxQueue} requests
 * (a further one fails at once with {@link QueueFullException}); a request whose adapter is unloaded while it waits
 * fails alone with {@link AdapterRegistry.UnknownAdapterException}, and the rest of its batch runs.
 */
public final class BatchScheduler implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BatchScheduler.class);

    /** A queued request. */
    private record Job(InferenceEngine.Row row, GenerationConfig config, CompletableFuture<Completion> result,
            long enqueued) {}

    private final InferenceEngine engine;
    private final int maxBatchSize;
    private final long batchWaitNanos;
    private final int maxQueue;
    private final LinkedList<Job> queue = new LinkedList<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition arrived = lock.newCondition();
    private final Thread worker;
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong largestBatch = new AtomicLong();
    private volatile boolean running = true;

    /** The queue is full: the client should retry later (HTTP 429). */
    public static final class QueueFullException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        QueueFullException(String message) {
            super(message);
        }
    }

    public BatchScheduler(InferenceEngine engine, int maxBatchSize, int batchWaitMs) {
        this(engine, maxBatchSize, batchWaitMs, Integer.MAX_VALUE);
    }

    public BatchScheduler(InferenceEngine engine, int maxBatchSize, int batchWaitMs, int maxQueue) {
        if (maxBatchSize < 1 || batchWaitMs < 0 || maxQueue < 1) {
            throw new IllegalArgumentException("max batch size " + maxBatchSize + ", wait " + batchWaitMs + " ms, queue "
                    + maxQueue);
        }
        this.engine = engine;
        this.maxBatchSize = maxBatchSize;
        this.maxQueue = maxQueue;
        this.batchWaitNanos = TimeUnit.MILLISECONDS.toNanos(batchWaitMs);
        this.worker = new Thread(this::work, "generate-worker");
        worker.setDaemon(true);
        worker.start();
    }

    /** Queues one row; the future completes with its result, or with the batch's exception. */
    public CompletableFuture<Completion> submit(InferenceEngine.Row row, GenerationConfig config) {
        CompletableFuture<Completion> f = new CompletableFuture<>();
        lock.lock();
        try {
            if (!running) {
                f.completeExceptionally(new IllegalStateException("the server is shutting down"));
                return f;
            }
            if (queue.size() >= maxQueue) {
                f.completeExceptionally(new QueueFullException("the server is busy: " + queue.size()
                        + " requests are waiting (serve.max_queue = " + maxQueue + "); retry later"));
                return f;
            }
            queue.add(new Job(row, config, f, System.nanoTime()));
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
        return f;
    }

    /** Takes a request that has not started out of the queue (its client gave up); true if it was still queued. */
    public boolean cancel(CompletableFuture<Completion> result) {
        lock.lock();
        try {
            return queue.removeIf(j -> j.result() == result);
        } finally {
            lock.unlock();
        }
    }

    /** Generate calls run so far. */
    public long batches() {
        return batches.get();
    }

    /** Requests answered so far (in all batches). */
    public long requests() {
        return requests.get();
    }

    public long largestBatch() {
        return largestBatch.get();
    }

    public int queued() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    private void work() {
        GradMode.disableOnThisThread();
        while (running) {
            List<Job> batch;
            try {
                batch = nextBatch();
            } catch (InterruptedException e) {
                break;
            }
            if (batch.isEmpty()) {
                continue;
            }
            run(batch);
        }
    }

    /** Blocks for a first job, then gathers same-settings jobs until the batch is full or the wait is over. */
    private List<Job> nextBatch() throws InterruptedException {
        lock.lock();
        try {
            while (running && queue.isEmpty()) {
                arrived.await(200, TimeUnit.MILLISECONDS);
            }
            List<Job> batch = new ArrayList<>();
            if (!running) {
                return batch;
            }
            Job first = queue.removeFirst();
            batch.add(first);
            long deadline = System.nanoTime() + batchWaitNanos;
            while (true) {
                for (Iterator<Job> it = queue.iterator(); it.hasNext() && batch.size() < maxBatchSize;) {
                    Job j = it.next();
                    if (j.config().equals(first.config())) {
                        batch.add(j);
                        it.remove();
                    }
                }
                long left = deadline - System.nanoTime();
                if (batch.size() >= maxBatchSize || left <= 0 || !running) {
                    return batch;
                }
                arrived.awaitNanos(left);
            }
        } finally {
            lock.unlock();
        }
    }

    private void run(List<Job> jobs) {
        // The adapters are leased when the batch starts; one unloaded while its requests waited fails those
        // requests alone (leasing fails before any work, so the rest is simply tried again without them).
        List<Job> batch = new ArrayList<>(jobs);
        while (!batch.isEmpty()) {
            List<InferenceEngine.Row> rows = new ArrayList<>(batch.size());
            batch.forEach(j -> rows.add(j.row()));
            try {
                List<Completion> out = engine.generate(rows, batch.get(0).config());
                batches.incrementAndGet();
                requests.addAndGet(batch.size());
                largestBatch.accumulateAndGet(batch.size(), Math::max);
                for (int i = 0; i < batch.size(); i++) {
                    batch.get(i).result().complete(out.get(i));
                }
                return;
            } catch (AdapterRegistry.UnknownAdapterException e) {
                String gone = e.adapter();
                AdapterRegistry.UnknownAdapterException alone = new AdapterRegistry.UnknownAdapterException(gone,
                        "adapter '" + gone + "' was unloaded before the request ran");
                List<Job> rest = new ArrayList<>(batch.size());
                for (Job j : batch) {
                    if (gone != null && gone.equals(j.row().adapter())) {
                        j.result().completeExceptionally(alone);
                    } else {
                        rest.add(j);
                    }
                }
                if (rest.size() == batch.size()) { // not one of ours: fail them all rather than loop
                    batch.forEach(j -> j.result().completeExceptionally(e));
                    return;
                }
                batch = rest;
            } catch (RuntimeException | Error e) {
                if (!(e instanceof org.pefttrainer.core.UserException)) {
                    LOG.error("generate batch of {} failed", batch.size(), e);
                }
                batch.forEach(j -> j.result().completeExceptionally(e));
                return;
            }
        }
    }

    /** Stops the worker after its current batch; queued requests fail. */
    @Override
    public void close() {
        List<Job> pending;
        lock.lock();
        try {
            running = false;
            pending = new ArrayList<>(queue);
            queue.clear();
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
        pending.forEach(j -> j.result().completeExceptionally(new IllegalStateException("the server is shutting down")));
        try {
            worker.join(60_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
