package org.pefttrainer.spark;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.data.Example;
import org.pefttrainer.core.data.batch.Collator;
import org.pefttrainer.core.data.batch.TokenizedExample;
import org.apache.spark.broadcast.Broadcast;
import org.pefttrainer.core.model.BatchAdapters;
import org.pefttrainer.core.train.Trainable;
import org.pefttrainer.core.train.ValidationLoss;
import org.pefttrainer.eval.evaluate.EvalResult;
import org.pefttrainer.eval.evaluate.Evaluator;
import org.pefttrainer.recipes.EvaluateRecipe;
import org.pefttrainer.recipes.ModelSession;

/**
 * {@code peft eval} with its two heavy parts on Spark executors: the driver tokenizes and plans the batches exactly
 * as a local run does, the executors run them (the base model loaded once per executor JVM), and the driver puts
 * the results back in the local order and scores them. Same batches, same arithmetic: the same predictions.jsonl and
 * metrics.json. A task that fails is re-run by Spark, and its batch is written once, from the result that came back.
 */
final class DistributedEval implements EvaluateRecipe.Backend {
    private final JavaSparkContext sc;
    private final JobConfig job;
    private final int partitions;
    private final Trainable trainable;
    private final String run;
    private final PrintStream out;

    /** Evaluating the job's adapters ({@code peft eval}). */
    DistributedEval(JavaSparkContext sc, JobConfig job, int partitions, PrintStream out) {
        this(sc, job, partitions, out, null, null);
    }

    /**
     * Evaluating {@code trainable}, the part training run {@code run} trains (its epoch-end evaluation): its current
     * values are broadcast with each job, and executors put them on their workers' copies.
     */
    DistributedEval(JavaSparkContext sc, JobConfig job, int partitions, PrintStream out, Trainable trainable,
            String run) {
        this.trainable = trainable;
        this.run = run;
        this.sc = sc;
        this.job = job;
        this.partitions = partitions;
        this.out = out;
    }

    @Override
    public EvalResult generate(Evaluator evaluator, List<Example> examples, ModelSession session,
            BatchAdapters adapters, IntConsumer progress) {
        long t0 = System.nanoTime();
        Evaluator.Plan plan = evaluator.plan(examples);
        List<EvalBatch> batches = new ArrayList<>();
        for (int i = 0; i < plan.batches().size(); i++) {
            int[] members = plan.batches().get(i);
            batches.add(new EvalBatch(i, plan.promptsOf(members).toArray(long[][]::new), null,
                    new ArrayList<>(Evaluator.rowAdapters(examples, members))));
        }
        Map<Integer, EvalBatch.Out> done = run(batches, plan.batches(), progress, "generation", session);
        String[] predictions = new String[examples.size()];
        long generated = 0;
        for (int i = 0; i < plan.batches().size(); i++) {
            EvalBatch.Out o = done.get(i);
            int[] members = plan.batches().get(i);
            for (int k = 0; k < members.length; k++) {
                predictions[members[k]] = o.predictions()[k];
            }
            generated += o.generatedTokens();
        }
        return evaluator.score(examples, predictions, (System.nanoTime() - t0) / 1e9, generated);
    }

    @Override
    public ValidationLoss.Result loss(List<TokenizedExample> examples, List<String> rowAdapters, Collator collator,
            int batchSize, ModelSession session, BatchAdapters adapters) {
        List<int[]> plan = ValidationLoss.batches(examples.size(), batchSize);
        List<EvalBatch> batches = new ArrayList<>();
        for (int i = 0; i < plan.size(); i++) {
            List<TokenizedExample> members = new ArrayList<>();
            List<String> names = new ArrayList<>();
            for (int k : plan.get(i)) {
                members.add(examples.get(k));
                names.add(rowAdapters.get(k));
            }
            batches.add(new EvalBatch(i, null, members, names));
        }
        Map<Integer, EvalBatch.Out> done = run(batches, plan, n -> { }, "loss", session);
        double[] nll = new double[examples.size()];
        double[] tokens = new double[examples.size()];
        for (int i = 0; i < plan.size(); i++) {
            int[] members = plan.get(i);
            for (int k = 0; k < members.length; k++) {
                nll[members[k]] = done.get(i).nllSums()[k];
                tokens[members[k]] = done.get(i).tokens()[k];
            }
        }
        return new ValidationLoss.Result(nll, tokens);
    }

    /**
     * Runs the batches in {@code partitions} tasks, batch i in task i mod P (the plan is sorted by length, so every
     * task gets short and long ones); returns each batch's result by index.
     */
    private Map<Integer, EvalBatch.Out> run(List<EvalBatch> batches, List<int[]> members, IntConsumer progress,
            String what, ModelSession session) {
        // the tasks of local[n] run in this JVM: they use the driver's model, no second copy
        boolean adopted = SparkContexts.local(sc.master()) && ExecutorModels.adopt(job, session);
        IntConsumer progressOrNone = progress == null ? n -> { } : progress;
        int p = Math.max(1, Math.min(partitions, batches.size()));
        int[] perTask = new int[p];
        // One element per task: task t gets the list of batches t, t + p, t + 2p, ...
        List<ArrayList<EvalBatch>> slices = new ArrayList<>();
        for (int t = 0; t < p; t++) {
            slices.add(new ArrayList<>());
        }
        for (int i = 0; i < batches.size(); i++) {
            slices.get(i % p).add(batches.get(i));
            perTask[i % p] += members.get(i).length;
        }
        AtomicInteger examplesDone = new AtomicInteger();
        Map<Integer, Boolean> finished = new ConcurrentHashMap<>();
        long t0 = System.nanoTime();
        SparkListener listener = new SparkListener() {
            @Override
            public void onTaskEnd(SparkListenerTaskEnd end) {
                int task = end.taskInfo().index();
                if (end.taskInfo().successful() && task < p && finished.putIfAbsent(task, true) == null) {
                    progressOrNone.accept(examplesDone.addAndGet(perTask[task]));
                }
            }
        };
        sc.sc().addSparkListener(listener);
        List<EvalBatch.Out> results;
        Broadcast<float[][]> values = trainable == null ? null : sc.broadcast(TrainableValues.of(trainable));
        try {
            JobConfig j = job;
            String r = run;
            results = sc.parallelize(slices, p).flatMap(slice -> EvalWorker.run(j, r,
                    values == null ? null : values.value(), slice.iterator())).collect();
        } catch (RuntimeException e) {
            throw new UserException("distributed eval (" + what + ") failed on the cluster: "
                    + SparkContexts.oneLine(e), e);
        } finally {
            sc.sc().removeSparkListener(listener);
            if (values != null) {
                values.destroy();
            }
            if (adopted) {
                ExecutorModels.release(session);
            }
        }
        Map<Integer, EvalBatch.Out> byIndex = new java.util.HashMap<>();
        for (EvalBatch.Out o : results) {
            if (byIndex.put(o.index(), o) != null) {
                throw new IllegalStateException("batch " + o.index() + " came back twice");
            }
        }
        if (byIndex.size() != batches.size()) {
            throw new IllegalStateException(batches.size() + " batches sent, " + byIndex.size() + " came back");
        }
        double load = results.stream().mapToDouble(EvalBatch.Out::loadSeconds).max().orElse(0);
        out.printf(Locale.ROOT, "spark: %s of %d batches in %d tasks: %.1f s%s%n", what, batches.size(), p,
                (System.nanoTime() - t0) / 1e9, load > 0
                        ? String.format(Locale.ROOT, " (of which loading the base model on the executors: %.1f s)", load)
                        : "");
        return byIndex;
    }
}
