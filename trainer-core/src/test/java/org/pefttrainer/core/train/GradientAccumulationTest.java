package org.pefttrainer.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pefttrainer.core.model.t5.T5Model;
import org.pefttrainer.core.train.TrainFixtures.FullModel;

/**
 * Two micro-batches of 4 accumulated into one update give the gradient of one batch of 8. Both halves carry 18
 * target tokens, so the mean of the two micro-batch means (loss / accumulation steps, as transformers' Trainer does)
 * is the mean over all 16+20 tokens. The gradient is read back from the first AdamW update with β1 = β2 = 0, eps = 1,
 * lr = 1: Δp = g/(|g| + 1), so g = Δp/(1 - |Δp|). Dropout is off (masks would differ between the batch shapes).
 */
class GradientAccumulationTest {
    @TempDir
    Path dir;

    private record Update(Map<String, float[]> before, Map<String, float[]> after, ObjectNode line) {}

    private Update oneUpdate(Path model, int batchSize, int accum, String name) {
        try (NDManager m = NDManager.newBaseManager()) {
            T5Model t5 = TrainFixtures.load(model, m, 0.0);
            FullModel trainable = new FullModel(t5, null);
            Map<String, float[]> before = trainable.snapshot();
            TrainFixtures.Settings s = new TrainFixtures.Settings();
            s.maxSteps = 1;
            s.gradAccumSteps = accum;
            s.maxGradNorm = 0;
            s.lr = 1;
            s.beta1 = 0;
            s.beta2 = 0;
            s.eps = 1;
            s.schedule = LrSchedule.Kind.CONSTANT;
            s.warmupSteps = 0;
            s.checkpointEveryEpoch = false;
            Path run = dir.resolve(name);
            new Trainer(s.build(), t5, trainable, TrainFixtures.plan(batchSize, false), run, List.of(),
                    TrainProgress.NONE, null).train(false);
            return new Update(before, trainable.snapshot(), TrainFixtures.metrics(run).get(0));
        }
    }

    @Test
    void twoMicroBatchesOfFourEqualOneBatchOfEight() {
        Path model = TrainFixtures.writeModel(dir.resolve("model"), 3);
        Update whole = oneUpdate(model, 8, 1, "whole");
        Update accumulated = oneUpdate(model, 4, 2, "accumulated");
        double maxDiff = 0;
        double maxGrad = 0;
        int nonZero = 0;
        for (String name : whole.before.keySet()) {
            float[] p0 = whole.before.get(name);
            float[] pa = whole.after.get(name);
            float[] pb = accumulated.after.get(name);
            for (int i = 0; i < p0.length; i++) {
                double ga = recover(p0[i], pa[i]);
                double gb = recover(p0[i], pb[i]);
                maxDiff = Math.max(maxDiff, Math.abs(ga - gb));
                maxGrad = Math.max(maxGrad, Math.abs(ga));
                if (ga != 0) {
                    nonZero++;
                }
                assertEquals(ga, gb, 1e-6, name + "[" + i + "]");
            }
        }
        System.out.printf("GradientAccumulationTest: max |g(8) - g(4+4)| = %.2e (largest |g| %.3f, %d non-zero)%n",
                maxDiff, maxGrad, nonZero);
        assertTrue(nonZero > 1000, "too few gradients to compare: " + nonZero);
        assertEquals(whole.line.get("step_loss").asDouble(), accumulated.line.get("step_loss").asDouble(), 1e-6);
        assertEquals(whole.line.get("grad_norm").asDouble(), accumulated.line.get("grad_norm").asDouble(),
                1e-6 * whole.line.get("grad_norm").asDouble());
    }

    /** The gradient of the first update from the parameter before and after it. */
    private static double recover(float before, float after) {
        double d = (double) before - after;
        return d / (1 - Math.abs(d));
    }
}
