package org.pefttrainer.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.pefttrainer.core.train.TrainFixtures.metrics;
import static org.pefttrainer.core.train.TrainFixtures.stepLosses;
import static org.pefttrainer.core.train.TrainFixtures.withoutTiming;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.io.Json;
import org.pefttrainer.core.model.LinearHook;
import org.pefttrainer.core.model.t5.T5Model;
import org.pefttrainer.core.train.TrainFixtures.FullModel;
import org.pefttrainer.core.train.TrainFixtures.Settings;

/** The training loop end to end on a tiny T5 whose every weight trains. */
class TrainerTest {
    @TempDir
    static Path shared;
    static Path modelDir;
    static NDManager manager;

    @TempDir
    Path dir;

    @BeforeAll
    static void setUp() {
        manager = NDManager.newBaseManager();
        modelDir = TrainFixtures.writeModel(shared.resolve("tiny"), 3);
    }

    @AfterAll
    static void tearDown() {
        manager.close();
    }

    /** What one run leaves behind. */
    record Run(Trainer.Result result, List<ObjectNode> metrics, Map<String, float[]> params, List<String> messages) {}

    /** Called after each update with the run's stop signal (to interrupt it). */
    interface AfterStep {
        void accept(long done, StopSignal stop);
    }

    private Run run(Path runDir, Settings s, BatchPlan plan, boolean resume, LinearHook hook, AfterStep afterStep) {
        return run(runDir, s, plan, resume, hook, afterStep, List.of());
    }

    private Run run(Path runDir, Settings s, BatchPlan plan, boolean resume, LinearHook hook, AfterStep afterStep,
                    List<EpochEndListener> listeners) {
        T5Model model = TrainFixtures.load(modelDir, manager, null);
        try {
            FullModel trainable = new FullModel(model, hook);
            StopSignal stop = new StopSignal();
            List<String> messages = new java.util.ArrayList<>();
            TrainProgress progress = new TrainProgress() {
                @Override
                public void start(long totalSteps, long doneSteps) {}

                @Override
                public void step(long doneSteps, double loss, double lr, double tokensPerSecond) {
                    if (afterStep != null) {
                        afterStep.accept(doneSteps, stop);
                    }
                }

                @Override
                public void message(String line) {
                    messages.add(line);
                }

                @Override
                public void close() {}
            };
            Trainer t = new Trainer(s.build(), model, trainable, plan, runDir, listeners, progress, stop);
            Trainer.Result r = t.train(resume);
            return new Run(r, metrics(runDir), trainable.snapshot(), messages);
        } finally {
            model.weights().close();
        }
    }

    private Run run(Path runDir, Settings s, BatchPlan plan) {
        return run(runDir, s, plan, false, null, null);
    }

    private static void assertSameParams(Map<String, float[]> a, Map<String, float[]> b) {
        assertEquals(a.keySet(), b.keySet());
        a.forEach((k, v) -> {
            float[] w = b.get(k);
            for (int i = 0; i < v.length; i++) {
                assertEquals(Float.floatToIntBits(v[i]), Float.floatToIntBits(w[i]), k + "[" + i + "]");
            }
        });
    }

    @Test
    void lossFallsWhenAllWeightsTrainOnATinyTask() {
        Settings s = new Settings();
        s.maxSteps = 100;
        s.lr = 1e-2;
        s.warmupSteps = 5;
        s.checkpointEveryEpoch = false;
        Run r = run(dir.resolve("run"), s, TrainFixtures.plan(4, true));
        assertEquals(Trainer.Outcome.COMPLETED, r.result.outcome());
        assertEquals(100, r.result.globalStep());
        List<Double> losses = stepLosses(r.metrics);
        assertEquals(100, losses.size());
        double first = (losses.get(0) + losses.get(1)) / 2;
        double last = losses.subList(90, 100).stream().mapToDouble(d -> d).average().orElseThrow();
        System.out.printf("TrainerTest: loss %.4f (steps 1-2) -> %.4f (steps 91-100)%n", first, last);
        assertTrue(last < 0.25 * first, "loss " + first + " -> " + last);
        assertTrue(Files.isRegularFile(r.result.adapterDir().resolve("model.safetensors")));
    }

    @Test
    void sameSeedIsBitIdenticalAndAnotherSeedIsNot() throws IOException {
        Settings s = new Settings();
        s.epochs = 6;
        Run a = run(dir.resolve("a"), s, TrainFixtures.plan(2, true));
        Run b = run(dir.resolve("b"), s, TrainFixtures.plan(2, true));
        assertEquals(withoutTiming(a.metrics), withoutTiming(b.metrics));
        assertSameParams(a.params, b.params);
        assertArrayEquals(Files.readAllBytes(dir.resolve("a/epoch-6/" + Checkpoints.PARAMS)),
                Files.readAllBytes(dir.resolve("b/epoch-6/" + Checkpoints.PARAMS)));
        assertArrayEquals(Files.readAllBytes(dir.resolve("a/epoch-6/" + Checkpoints.OPTIMIZER)),
                Files.readAllBytes(dir.resolve("b/epoch-6/" + Checkpoints.OPTIMIZER)));
        // the seed reaches dropout: a different one changes the curve (so the equality above is not vacuous)
        s.seed = 43;
        Run c = run(dir.resolve("c"), s, TrainFixtures.plan(2, true));
        assertNotEquals(stepLosses(a.metrics), stepLosses(c.metrics));
    }

    /**
     * train.gradient_checkpointing changes memory, not the run: with accumulation (2 micro-batches), clipping that
     * bites, dropout 0.1 and every weight training, each step's loss agrees to 1e-5 relative and every weight to
     * 1e-4 of its tensor's largest value after 8 updates (summation order differs, so not bit for bit).
     */
    @Test
    void gradientCheckpointingGivesTheSameRunWithAccumulationAndClipping() {
        Settings s = new Settings();
        s.epochs = 4;
        s.gradAccumSteps = 2;
        s.maxGradNorm = 0.05;
        s.checkpointEveryEpoch = false;
        Run plain = run(dir.resolve("plain"), s, TrainFixtures.plan(2, true));
        s.gradientCheckpointing = true;
        Run checkpointed = run(dir.resolve("checkpointed"), s, TrainFixtures.plan(2, true));
        List<Double> a = stepLosses(plain.metrics);
        List<Double> b = stepLosses(checkpointed.metrics);
        assertEquals(8, a.size());
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            assertEquals(a.get(i), b.get(i), 1e-5 * Math.abs(a.get(i)), "step " + (i + 1) + " loss");
        }
        for (ObjectNode line : plain.metrics) {
            if (line.get("type").asText().equals("step")) {
                assertTrue(line.get("grad_norm").asDouble() > s.maxGradNorm, "clipping bites: " + line);
            }
        }
        double worst = 0;
        for (String k : plain.params.keySet()) {
            float[] x = plain.params.get(k);
            float[] y = checkpointed.params.get(k);
            double scale = 0;
            double diff = 0;
            for (int i = 0; i < x.length; i++) {
                scale = Math.max(scale, Math.abs(x[i]));
                diff = Math.max(diff, Math.abs(x[i] - y[i]));
            }
            assertTrue(diff <= 1e-4 * scale, k + ": " + diff + " of " + scale);
            worst = Math.max(worst, diff / scale);
        }
        System.out.printf("TrainerTest: checkpointing vs not, 8 updates: worst weight max|diff|/max|w| %.2e%n", worst);
    }

    /** A checkpointed run interrupted and resumed equals the checkpointed run straight through, bit for bit. */
    @Test
    void resumeWithGradientCheckpointingContinuesTheSameCurve() throws IOException {
        Settings s = resumeSettings();
        s.gradientCheckpointing = true;
        Run full = run(dir.resolve("full-ckpt"), s, TrainFixtures.plan(2, true));
        Path runDir = dir.resolve("interrupted-ckpt");
        Run first = run(runDir, s, TrainFixtures.plan(2, true), false, null, (done, stop) -> {
            if (done == 5) {
                stop.request();
            }
        });
        assertEquals(Trainer.Outcome.INTERRUPTED, first.result.outcome());
        Run second = run(runDir, s, TrainFixtures.plan(2, true), true, null, null);
        assertEquals(Trainer.Outcome.COMPLETED, second.result.outcome());
        assertEquals(withoutTiming(full.metrics), withoutTiming(second.metrics), "metrics.jsonl after resume");
        assertSameParams(full.params, second.params);
    }

    private Settings resumeSettings() {
        Settings s = new Settings();
        s.epochs = 3; // 4 batches of 2 per epoch: 12 updates
        s.logEvery = 2;
        s.schedule = LrSchedule.Kind.COSINE;
        s.weightDecay = 0.01;
        return s;
    }

    private void interruptAndResume(int stopAfter) throws IOException {
        Settings s = resumeSettings();
        Run full = run(dir.resolve("full-" + stopAfter), s, TrainFixtures.plan(2, true));
        assertEquals(12, full.result.globalStep());

        Path runDir = dir.resolve("interrupted-" + stopAfter);
        Run first = run(runDir, s, TrainFixtures.plan(2, true), false, null, (done, stop) -> {
            if (done == stopAfter) {
                stop.request();
            }
        });
        assertEquals(Trainer.Outcome.INTERRUPTED, first.result.outcome());
        assertEquals(stopAfter, first.result.globalStep());
        assertTrue(Files.isRegularFile(first.result.lastCheckpoint().resolve(CheckpointState.FILE)));

        Run second = run(runDir, s, TrainFixtures.plan(2, true), true, null, null);
        assertEquals(Trainer.Outcome.COMPLETED, second.result.outcome());
        assertEquals(12, second.result.globalStep());
        assertEquals(withoutTiming(full.metrics), withoutTiming(second.metrics), "metrics.jsonl after resume");
        assertSameParams(full.params, second.params);
        assertArrayEquals(Files.readAllBytes(dir.resolve("full-" + stopAfter + "/epoch-3/" + Checkpoints.PARAMS)),
                Files.readAllBytes(runDir.resolve("epoch-3/" + Checkpoints.PARAMS)));
    }

    @Test
    void resumeMidEpochContinuesTheSameCurve() throws IOException {
        interruptAndResume(5); // first batch of epoch 2, inside a logging window of 2 steps
    }

    @Test
    void resumeAfterTheLastBatchOfAnEpochContinuesTheSameCurve() throws IOException {
        interruptAndResume(8); // last batch of epoch 2, before its epoch line and checkpoint
    }

    @Test
    void killDuringACheckpointWriteResumesFromThePreviousCompleteOne() throws IOException {
        Settings s = resumeSettings();
        // batches of 3 (3 per epoch, 9 updates): the 2-step logging window spans the epoch-1 checkpoint
        Run full = run(dir.resolve("full"), s, TrainFixtures.plan(3, true));
        // a second run, then its folder made to look like a kill -9 while epoch-2 was being written
        Path runDir = dir.resolve("killed");
        run(runDir, s, TrainFixtures.plan(3, true));
        org.pefttrainer.core.io.AtomicFiles.deleteRecursively(runDir.resolve("epoch-3"));
        org.pefttrainer.core.io.AtomicFiles.deleteRecursively(runDir.resolve("adapter"));
        Files.delete(runDir.resolve("epoch-2").resolve(CheckpointState.FILE)); // incomplete checkpoint
        Path tmp = Files.createDirectories(runDir.resolve(".epoch-2.tmp-123"));
        Files.write(tmp.resolve(Checkpoints.PARAMS), new byte[] {1, 2, 3}); // half-written
        Json.write(tmp.resolve(CheckpointState.FILE), Json.MAPPER.createObjectNode().put("global_step", 999));

        Run resumed = run(runDir, s, TrainFixtures.plan(3, true), true, null, null);
        assertEquals(Trainer.Outcome.COMPLETED, resumed.result.outcome());
        assertTrue(resumed.messages.get(0).startsWith("resuming from " + runDir.resolve("epoch-1")), resumed.messages.get(0));
        assertFalse(Files.exists(tmp), "temporary folder left behind");
        assertEquals(withoutTiming(full.metrics), withoutTiming(resumed.metrics));
        assertSameParams(full.params, resumed.params);
        assertEquals(6, CheckpointState.read(runDir.resolve("epoch-2").resolve(CheckpointState.FILE)).globalStep());
    }

    @Test
    void resumeOfARunKilledBeforeItsFirstCheckpointStartsAgainFromStepZero() throws IOException {
        Settings s = resumeSettings();
        Run full = run(dir.resolve("full-nockpt"), s, TrainFixtures.plan(2, true));
        // A kill -9 during epoch 1: a run folder with a partial metrics.jsonl, a half-written checkpoint, none complete.
        Path runDir = dir.resolve("killed-early");
        Files.createDirectories(runDir);
        Files.writeString(runDir.resolve("metrics.jsonl"), "{\"type\":\"step\",\"step\":2,\"loss\":9.9}\n{\"ty");
        Files.createDirectories(runDir.resolve(".epoch-1.tmp-7"));
        Run resumed = run(runDir, s, TrainFixtures.plan(2, true), true, null, null);
        assertEquals(Trainer.Outcome.COMPLETED, resumed.result.outcome());
        assertTrue(resumed.messages.get(0).contains("no complete checkpoint")
                && resumed.messages.get(0).contains("from step 0"), resumed.messages.get(0));
        assertEquals(withoutTiming(full.metrics), withoutTiming(resumed.metrics));
        assertSameParams(full.params, resumed.params);
    }

    @Test
    void theBestEpochIsTheLowestLossAndTheHighestScore() throws IOException {
        double[][] perEpoch = {{3.0, 10}, {2.0, 20}, {2.5, 30}}; // val_loss, bleu
        EpochEndListener fake = (epoch, step, trainable) -> Map.of("val_loss", perEpoch[epoch - 1][0],
                "bleu", perEpoch[epoch - 1][1]);
        Settings s = resumeSettings();
        s.bestMetric = "val_loss";
        Path a = dir.resolve("best-loss");
        run(a, s, TrainFixtures.plan(2, true), false, null, null, List.of(fake));
        com.fasterxml.jackson.databind.JsonNode best = Json.read(a.resolve("best/best.json"));
        assertEquals(2, best.get("epoch").asInt(), "lower is better for val_loss");
        assertEquals(2.0, best.get("value").asDouble());
        s.bestMetric = "bleu";
        Path b = dir.resolve("best-bleu");
        run(b, s, TrainFixtures.plan(2, true), false, null, null, List.of(fake));
        assertEquals(3, Json.read(b.resolve("best/best.json")).get("epoch").asInt(), "higher is better for bleu");
    }

    @Test
    void theEpochIsSavedBeforeItsEvaluationSoAFailingEvaluationCostsNoTraining() {
        // Epoch 2's evaluation fails once (a setting fixed before the resume); the resumed run then equals a run
        // whose evaluation never failed, and the trained epoch was not lost.
        boolean[] failed = {false};
        EpochEndListener flaky = (epoch, step, trainable) -> {
            if (epoch == 2 && !failed[0]) {
                failed[0] = true;
                throw new UserException("generation settings: a bad value");
            }
            return Map.of("val_loss", 1.0 / epoch);
        };
        EpochEndListener steady = (epoch, step, trainable) -> Map.of("val_loss", 1.0 / epoch);
        Settings s = resumeSettings();
        s.bestMetric = "val_loss";
        Run full = run(dir.resolve("eval-ok"), s, TrainFixtures.plan(2, true), false, null, null, List.of(steady));
        Path runDir = dir.resolve("eval-fails");
        UserException e = assertThrows(UserException.class, () -> run(runDir, s, TrainFixtures.plan(2, true), false,
                null, null, List.of(flaky)));
        Path saved = runDir.resolve("step-8");
        assertTrue(e.getMessage().startsWith("epoch 2 evaluation: generation settings: a bad value (the epoch's"
                + " training is saved in " + saved), e.getMessage());
        assertTrue(Files.isRegularFile(saved.resolve(CheckpointState.FILE)));
        assertEquals(8, CheckpointState.read(saved.resolve(CheckpointState.FILE)).globalStep());
        Run resumed = run(runDir, s, TrainFixtures.plan(2, true), true, null, null, List.of(flaky));
        assertTrue(resumed.messages.get(0).contains("resuming from " + saved), resumed.messages.get(0));
        assertEquals(withoutTiming(full.metrics), withoutTiming(resumed.metrics));
        assertSameParams(full.params, resumed.params);
        assertFalse(Files.exists(saved), "the epoch checkpoint replaces the pre-evaluation one");
    }

    /** Replaces lm_head's output with NaN on the forward passes {@code from}..{@code to} (1-based). */
    private static LinearHook nanOnForward(int from, int to) {
        int[] calls = {0};
        return (module, x, ctx) -> {
            if (!module.equals("lm_head")) {
                return null;
            }
            calls[0]++;
            if (calls[0] < from || calls[0] > to) {
                return null;
            }
            long[] s = x.getShape().getShape();
            return ctx.manager().full(new ai.djl.ndarray.types.Shape(s[0], s[1], TrainFixtures.CONFIG.vocabSize()),
                    Float.NaN);
        };
    }

    @Test
    void nonFiniteLossWithStopKeepsTheLastGoodCheckpoint() {
        Settings s = resumeSettings();
        s.logEvery = 1;
        Path runDir = dir.resolve("nan-stop");
        Run r = run(runDir, s, TrainFixtures.plan(2, true), false, nanOnForward(6, 6), null);
        assertEquals(Trainer.Outcome.NONFINITE, r.result.outcome());
        assertEquals(5, r.result.globalStep());
        Path good = runDir.resolve("epoch-1");
        assertEquals(good, r.result.lastCheckpoint());
        assertTrue(r.result.message().contains("step 6"), r.result.message());
        assertTrue(r.result.message().contains(good.toString()), r.result.message());
        assertEquals(4, CheckpointState.read(good.resolve(CheckpointState.FILE)).globalStep());
        assertFalse(Files.exists(runDir.resolve("epoch-2")));
        r.params.values().forEach(v -> {
            for (float f : v) {
                assertTrue(Float.isFinite(f));
            }
        });
        assertEquals(5, stepLosses(r.metrics).size());
    }

    @Test
    void nonFiniteLossWithSkipDropsThatUpdate() {
        Settings s = resumeSettings();
        s.logEvery = 1;
        s.nonfinite = TrainerSettings.NonfinitePolicy.SKIP;
        Path runDir = dir.resolve("nan-skip");
        Run r = run(runDir, s, TrainFixtures.plan(2, true), false, nanOnForward(6, 6), null);
        assertEquals(Trainer.Outcome.COMPLETED, r.result.outcome());
        assertEquals(11, r.result.globalStep()); // 12 batches, one update dropped
        List<Double> losses = stepLosses(r.metrics);
        assertEquals(11, losses.size());
        losses.forEach(l -> assertTrue(Double.isFinite(l)));
        assertEquals(1, CheckpointState.read(runDir.resolve("epoch-3").resolve(CheckpointState.FILE)).nonfiniteSkips());
        r.params.values().forEach(v -> {
            for (float f : v) {
                assertTrue(Float.isFinite(f));
            }
        });
        // the first 5 updates equal a clean run's
        Run clean = run(dir.resolve("clean"), s, TrainFixtures.plan(2, true));
        assertEquals(stepLosses(clean.metrics).subList(0, 5), losses.subList(0, 5));
    }

    @Test
    void skipGivesUpAfterTheAllowedNumberOfSkips() {
        Settings s = resumeSettings();
        s.nonfinite = TrainerSettings.NonfinitePolicy.SKIP;
        s.maxNonfiniteSkips = 2;
        // forwards 1-2 update; 3 and 4 (the rest of epoch 1) are skipped; epoch-1 is saved; 5 is one skip too many
        Run r = run(dir.resolve("nan-many"), s, TrainFixtures.plan(2, true), false, nanOnForward(3, 1000), null);
        assertEquals(Trainer.Outcome.NONFINITE, r.result.outcome());
        assertEquals(2, r.result.globalStep());
        assertTrue(r.result.message().contains("step 3 (epoch 2, batch 0)"), r.result.message());
        assertTrue(r.result.message().contains(dir.resolve("nan-many/epoch-1").toString()), r.result.message());
        assertEquals(2, CheckpointState.read(dir.resolve("nan-many/epoch-1").resolve(CheckpointState.FILE)).nonfiniteSkips());
    }
}
