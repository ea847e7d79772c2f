package org.pefttrainer.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkStageInfo;
import org.apache.spark.SparkStatusTracker;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real multi-JVM cluster: {@code local-cluster[2,1,1536]} starts a master and two workers in this JVM and each
 * executor as its own JVM. Training on the two executor JVMs equals training in one process, and a {@code kill -9}
 * of an executor JVM in the middle of training or evaluation costs a retry, not the run or a row.
 */
class LocalClusterTest {
    static final String CLUSTER = "spark.master=local-cluster[2,1,1536]";
    @TempDir static Path dir;
    static Path model;

    @BeforeAll
    static void makeModel() {
        model = Peft.tinyModel(dir);
    }

    static final String[] TRAIN = {"data.train_subset=32", "data.validation_subset=4", "train.batch_size=4",
        "train.grad_accum_steps=2", "train.epochs=1", "train.log_every=1", "eval.every_epoch=false"};

    @Test
    void trainingOnTwoExecutorJvmsEqualsOneProcess() throws Exception {
        train("one-process", TRAIN);
        Peft.Run r = train("two-executors", TRAIN, CLUSTER, "spark.workers=2");
        assertTrue(r.out().contains("spark: local-cluster[2,1,1536]"), r.out());
        assertEquals(Peft.stepLosses(dir.resolve("one-process")), Peft.stepLosses(dir.resolve("two-executors")));
        assertArrayEquals(Files.readAllBytes(dir.resolve("one-process/adapter/adapter_model.safetensors")),
                Files.readAllBytes(dir.resolve("two-executors/adapter/adapter_model.safetensors")));
    }

    @Test
    void aKilledExecutorCostsARetryNotTheRun() throws Exception {
        train("uninterrupted", TRAIN);
        Path run = dir.resolve("killed");
        CompletableFuture<Peft.Run> job = CompletableFuture.supplyAsync(() -> train("killed", TRAIN, CLUSTER,
                "spark.workers=2"));
        int stepsAtKill = killAnExecutorWhen(() -> Files.isRegularFile(run.resolve("metrics.jsonl"))
                && Peft.stepLosses(run).size() >= 2 && runningTasks() >= 1, job);
        Peft.Run r = job.get(5, TimeUnit.MINUTES);
        assertEquals(0, r.exit(), r.out() + r.err());
        int total = Peft.stepLosses(run).size();
        assertTrue(stepsAtKill < total, "the executor died mid-run (" + stepsAtKill + " of " + total + " steps)");
        assertEquals(Peft.stepLosses(dir.resolve("uninterrupted")), Peft.stepLosses(run));
        assertArrayEquals(Files.readAllBytes(dir.resolve("uninterrupted/adapter/adapter_model.safetensors")),
                Files.readAllBytes(run.resolve("adapter/adapter_model.safetensors")));
    }

    @Test
    void evaluationWithAKilledExecutorWritesEveryRowOnce() throws Exception {
        List<String> common = Peft.args("eval", model, dir, "data.split=validation", "data.subset=40",
                "eval.batch_size=2", "generation.max_new_tokens=32", "eval.validation_loss=false");
        List<String> local = new ArrayList<>(common);
        local.addAll(List.of("--out", dir.resolve("eval-one").toString()));
        Peft.ok(local.toArray(String[]::new));
        List<String> cluster = new ArrayList<>(common);
        cluster.addAll(List.of(CLUSTER, "--out", dir.resolve("eval-killed").toString()));
        CompletableFuture<Peft.Run> job = CompletableFuture.supplyAsync(() -> Peft.run(cluster.toArray(String[]::new)));
        killAnExecutorWhen(() -> runningTasks() >= 2, job);
        Peft.Run r = job.get(5, TimeUnit.MINUTES);
        assertEquals(0, r.exit(), r.out() + r.err());
        assertArrayEquals(Files.readAllBytes(dir.resolve("eval-one/predictions.jsonl")),
                Files.readAllBytes(dir.resolve("eval-killed/predictions.jsonl")));
    }

    /**
     * An executor's PyTorch runs as many threads as its task was given (spark.task.cpus), not one per core of the
     * node, and its OpenMP threads sleep while they wait.
     */
    @Test
    void executorsRunTorchOnTheirTaskCoresAndWaitPassively() throws Exception {
        org.pefttrainer.core.config.SparkConfig spark = new org.pefttrainer.core.config.SparkConfig(
                java.util.Optional.of("local-cluster[1,2,1024]"), 0, java.util.Optional.empty(), 1, java.util.Map.of(),
                false, 60);
        try (org.apache.spark.api.java.JavaSparkContext sc = SparkContexts.open(spark, "threads", System.out)) {
            // one executor with 2 cores runs 2 one-core tasks: each PyTorch gets 1 thread (its default here is 2)
            List<String> seen = sc.parallelize(List.of(1, 2), 2).map(x -> {
                ai.djl.engine.Engine.getInstance();
                return ai.djl.pytorch.jni.JniUtils.getNumThreads() + " " + System.getenv("OMP_WAIT_POLICY");
            }).collect();
            assertEquals(List.of("1 PASSIVE", "1 PASSIVE"), seen, "this machine has " + Runtime.getRuntime().availableProcessors()
                    + " cores");
        }
    }

    private static Peft.Run train(String name, String[] setting, String... extra) {
        List<String> args = Peft.args("train", model, dir, setting);
        args.addAll(List.of("run.name=" + name, "train.max_steps=8"));
        args.addAll(List.of(extra));
        return Peft.ok(args.toArray(String[]::new));
    }

    /** The executor JVMs this JVM's local cluster started. */
    static List<ProcessHandle> executors() {
        return ProcessHandle.current().descendants().filter(p -> {
            try {
                return Files.readString(Path.of("/proc", String.valueOf(p.pid()), "cmdline"))
                        .contains("CoarseGrainedExecutorBackend");
            } catch (java.io.IOException e) {
                return false; // ended meanwhile
            }
        }).toList();
    }

    /** Tasks running now in the active Spark application of this JVM. */
    static int runningTasks() {
        scala.Option<SparkContext> sc = org.apache.spark.SparkContext$.MODULE$.getActive();
        if (sc.isEmpty()) {
            return 0;
        }
        SparkStatusTracker tracker = sc.get().statusTracker();
        int n = 0;
        for (int id : tracker.getActiveStageIds()) {
            scala.Option<SparkStageInfo> info = tracker.getStageInfo(id);
            n += info.isDefined() ? info.get().numActiveTasks() : 0;
        }
        return n;
    }

    /** Waits for {@code when}, then kill -9s one executor JVM; returns the steps logged at that moment. */
    static int killAnExecutorWhen(java.util.function.BooleanSupplier when, CompletableFuture<Peft.Run> job)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (!when.getAsBoolean()) {
            assertTrue(!job.isDone(), () -> "the job ended before the kill: " + job.join().out());
            assertTrue(System.nanoTime() < deadline, "timed out waiting to kill an executor");
            Thread.sleep(10);
        }
        Optional<ProcessHandle> victim = executors().stream().findFirst();
        assertTrue(victim.isPresent(), "no executor JVM to kill");
        int steps = 0;
        Path killed = dir.resolve("killed/metrics.jsonl");
        if (Files.isRegularFile(killed)) {
            steps = Peft.stepLosses(dir.resolve("killed")).size();
        }
        new ProcessBuilder("kill", "-9", String.valueOf(victim.get().pid())).inheritIO().start().waitFor();
        assertTrue(!job.isDone(), "the job was still running when its executor was killed");
        return steps;
    }
}
