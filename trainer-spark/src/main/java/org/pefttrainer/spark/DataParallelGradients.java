package org.pefttrainer.spark;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.tensor.GradMode;
import org.pefttrainer.core.train.GradientSource;
import org.pefttrainer.core.train.MicroBatch;
import org.pefttrainer.core.train.Trainable;
import org.pefttrainer.core.train.TrainBatch;
import org.pefttrainer.recipes.ModelSession;

/**
 * Data-parallel gradients on Spark, the way MLlib's optimizers iterate: for every optimizer update the driver
 * broadcasts the trainable values and one Spark job gives each of N workers its share of the update's micro-batches
 * (whole micro-batches when there are at least N, else rows of each). The partial gradients come back as the job's
 * result and are added in (micro-batch, worker) order, whatever order the tasks ended or were retried in; with whole
 * micro-batches that is a single process's order, so the sum has the same bits. Clipping, AdamW, checkpoints and
 * evaluation then run on the driver as in a local run. A failed task is re-run by Spark and computes the same
 * gradients from the same broadcast values.
 */
final class DataParallelGradients implements GradientSource {
    private final JavaSparkContext sc;
    private final JobConfig job;
    private final Trainable trainable;
    private final int workers;
    private final String run;
    private final AtomicLong resultBytes = new AtomicLong();
    private int steps;
    private long firstStepNanos;
    private long wallNanos;
    private long computeNanos;
    private long toWorkersBytes;
    private long fromWorkersBytes;
    private final ModelSession driverSession;

    /** {@code driverSession}: the driver's model, which local-mode tasks (in this JVM) use instead of a copy. */
    DataParallelGradients(JavaSparkContext sc, JobConfig job, Trainable trainable, int workers,
            ModelSession driverSession, String run) {
        this.driverSession = driverSession;
        this.run = run;
        if (SparkContexts.local(sc.master())) {
            ExecutorModels.adopt(job, driverSession);
        }
        this.sc = sc;
        this.job = job;
        this.trainable = trainable;
        this.workers = workers;
        sc.sc().addSparkListener(new SparkListener() {
            @Override
            public void onTaskEnd(SparkListenerTaskEnd end) {
                if (end.taskMetrics() != null) {
                    resultBytes.addAndGet(end.taskMetrics().resultSize());
                }
            }
        });
    }

    @Override
    public Accumulated accumulate(List<TrainBatch> group, int step, NDManager stepManager) {
        long t0 = System.nanoTime();
        Map<String, NDArray> params = trainable.parameters();
        float[][] values = TrainableValues.of(trainable);
        long valueBytes = 0;
        for (float[] v : values) {
            valueBytes += 4L * v.length;
        }
        List<GradientShare> shares = shares(group, step);
        long rowBytes = 0;
        for (GradientShare s : shares) {
            for (GradientShare.Part part : s.parts()) {
                rowBytes += 8L * cells(part.batch());
            }
        }
        Broadcast<float[][]> weights = sc.broadcast(values);
        long before = resultBytes.get();
        List<GradientResult> results;
        try {
            JobConfig j = job;
            String r = run;
            results = sc.parallelize(shares, shares.size())
                    .map(share -> GradientWorker.compute(j, r, share, weights.value()))
                    .collect();
        } catch (RuntimeException e) {
            throw new UserException("data-parallel step " + (step + 1) + " failed on the cluster: "
                    + SparkContexts.oneLine(e), e);
        } finally {
            weights.destroy();
        }
        // Added in (micro-batch, worker) order, whatever order the tasks ended in: with whole micro-batches this is
        // the order in which a single process accumulates them, so the sum has the same bits.
        List<GradientResult.Partial> partials = new ArrayList<>();
        long tokens = 0;
        long slowest = 0;
        for (GradientResult g : results) {
            tokens += g.tokens();
            slowest = Math.max(slowest, g.computeNanos());
            if (!g.finite()) {
                return new Accumulated(false, g.badLoss(), tokens);
            }
            partials.addAll(g.partials());
        }
        partials.sort(java.util.Comparator.comparingInt(GradientResult.Partial::micro)
                .thenComparingInt(GradientResult.Partial::worker));
        double lossSum = 0;
        float[][] sum = null;
        for (GradientResult.Partial part : partials) {
            lossSum += part.loss();
            if (sum == null) {
                sum = part.gradient();
                continue;
            }
            float[][] g = part.gradient();
            for (int p = 0; p < sum.length; p++) {
                for (int k = 0; k < sum[p].length; k++) {
                    sum[p][k] += g[p][k];
                }
            }
        }
        double loss = lossSum / group.size();
        if (sum == null) {
            return new Accumulated(true, loss, tokens); // no labelled token in the whole group
        }
        setGradients(params, sum, stepManager);
        steps++;
        if (steps == 1) {
            // The first step also loads the base model on every executor: kept apart from the steady cost.
            firstStepNanos = System.nanoTime() - t0;
        } else {
            wallNanos += System.nanoTime() - t0;
            computeNanos += slowest;
        }
        toWorkersBytes += valueBytes * shares.size() + rowBytes;
        fromWorkersBytes += resultBytes.get() - before;
        return new Accumulated(true, loss, tokens);
    }

    /**
     * With G ≥ N micro-batches, worker w gets micro-batches w, w + N, ...; with fewer, rows [w·B/N, (w+1)·B/N) of
     * every micro-batch.
     */
    List<GradientShare> shares(List<TrainBatch> group, int step) {
        boolean rows = group.size() < workers;
        List<GradientShare> out = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            List<GradientShare.Part> parts = new ArrayList<>();
            for (int m = 0; m < group.size(); m++) {
                TrainBatch b = group.get(m);
                if (!rows) {
                    if (m % workers == w) {
                        parts.add(new GradientShare.Part(m, b, MicroBatch.labelTokens(b)));
                    }
                    continue;
                }
                int from = (int) ((long) w * b.size() / workers);
                int to = (int) ((long) (w + 1) * b.size() / workers);
                if (to > from) {
                    parts.add(new GradientShare.Part(m, rows(b, from, to), MicroBatch.labelTokens(b)));
                }
            }
            out.add(new GradientShare(w, workers, step, group.size(), rows, parts));
        }
        return out;
    }

    private static TrainBatch rows(TrainBatch b, int from, int to) {
        return new TrainBatch(java.util.Arrays.copyOfRange(b.inputIds(), from, to),
                java.util.Arrays.copyOfRange(b.attentionMask(), from, to),
                b.decoderInputIds() == null ? null : java.util.Arrays.copyOfRange(b.decoderInputIds(), from, to),
                java.util.Arrays.copyOfRange(b.labels(), from, to), new ArrayList<>(b.exampleIds().subList(from, to)));
    }

    private static long cells(TrainBatch b) {
        long n = 0;
        for (long[][] a : new long[][][] {b.inputIds(), b.attentionMask(), b.decoderInputIds(), b.labels()}) {
            if (a != null) {
                for (long[] row : a) {
                    n += row.length;
                }
            }
        }
        return n;
    }

    /** Leaves exactly {@code sum} in each parameter's gradient: the gradient of Σ p·g with respect to p is g. */
    private static void setGradients(Map<String, NDArray> params, float[][] sum, NDManager manager) {
        int i = 0;
        try (NDManager m = manager.newSubManager(); GradMode.Scope recording = GradMode.on()) {
            NDArray total = null;
            for (NDArray p : params.values()) {
                NDArray g = m.create(sum[i++], p.getShape());
                NDArray term = g.mul(p).sum(); // g first: the results belong to m, not to p's manager
                total = total == null ? term : total.add(term);
            }
            GradMode.backward(total);
        }
    }

    @Override
    public void close() {
        ExecutorModels.release(driverSession);
    }

    @Override
    public Map<String, Object> summary() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("master", sc.master());
        s.put("workers", workers);
        s.put("steps", steps);
        if (steps > 0) {
            s.put("first_step_ms", firstStepNanos / 1e6);
            s.put("bytes_to_workers_per_step", toWorkersBytes / steps);
            s.put("bytes_from_workers_per_step", fromWorkersBytes / steps);
        }
        if (steps > 1) {
            // the steps after the first: wall time on the driver, the slowest worker's compute, and the rest
            s.put("step_ms", wallNanos / 1e6 / (steps - 1));
            s.put("worker_compute_ms", computeNanos / 1e6 / (steps - 1));
            s.put("overhead_ms", (wallNanos - computeNanos) / 1e6 / (steps - 1));
        }
        return Map.of("spark", s);
    }
}
