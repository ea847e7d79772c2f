package org.pefttrainer.core.train;

/**
 * The trainer's knobs, already validated by the config layer.
 *
 * @param epochs number of epochs (ignored when maxSteps &gt; 0 ends the run first)
 * @param maxSteps optimizer updates to run in total, or -1 to run the epochs
 * @param gradAccumSteps micro-batches per optimizer update
 * @param maxGradNorm global-norm clipping threshold, 0 = off
 * @param nonfinitePolicy what to do on a NaN/Inf loss or gradient: STOP or SKIP the update
 * @param maxNonfiniteSkips how many updates SKIP may drop before stopping anyway
 * @param bestMetric metric name (from epoch listeners) that selects best/, or null
 * @param earlyStoppingPatience epochs without improvement of bestMetric before stopping, 0 = off
 * @param checkpointEverySteps write a resumable step-N checkpoint every this many updates (older step-N deleted),
 *                             0 = off
 * @param gradientCheckpointing recompute every transformer block in the backward pass instead of keeping its
 *                              activations (train.gradient_checkpointing)
 */
public record TrainerSettings(
        int epochs,
        int maxSteps,
        int gradAccumSteps,
        double maxGradNorm,
        double lr,
        double weightDecay,
        double beta1,
        double beta2,
        double eps,
        LrSchedule.Kind schedule,
        int warmupSteps,
        double warmupRatio,
        double finalLr,
        long seed,
        int logEvery,
        boolean checkpointEveryEpoch,
        int keepCheckpoints,
        NonfinitePolicy nonfinitePolicy,
        int maxNonfiniteSkips,
        String bestMetric,
        int earlyStoppingPatience,
        int checkpointEverySteps,
        boolean gradientCheckpointing) {

    /** Without activation checkpointing. */
    public TrainerSettings(int epochs, int maxSteps, int gradAccumSteps, double maxGradNorm, double lr,
            double weightDecay, double beta1, double beta2, double eps, LrSchedule.Kind schedule, int warmupSteps,
            double warmupRatio, double finalLr, long seed, int logEvery, boolean checkpointEveryEpoch,
            int keepCheckpoints, NonfinitePolicy nonfinitePolicy, int maxNonfiniteSkips, String bestMetric,
            int earlyStoppingPatience, int checkpointEverySteps) {
        this(epochs, maxSteps, gradAccumSteps, maxGradNorm, lr, weightDecay, beta1, beta2, eps, schedule, warmupSteps,
                warmupRatio, finalLr, seed, logEvery, checkpointEveryEpoch, keepCheckpoints, nonfinitePolicy,
                maxNonfiniteSkips, bestMetric, earlyStoppingPatience, checkpointEverySteps, false);
    }

    /** Without step checkpoints. */
    public TrainerSettings(int epochs, int maxSteps, int gradAccumSteps, double maxGradNorm, double lr,
            double weightDecay, double beta1, double beta2, double eps, LrSchedule.Kind schedule, int warmupSteps,
            double warmupRatio, double finalLr, long seed, int logEvery, boolean checkpointEveryEpoch,
            int keepCheckpoints, NonfinitePolicy nonfinitePolicy, int maxNonfiniteSkips, String bestMetric,
            int earlyStoppingPatience) {
        this(epochs, maxSteps, gradAccumSteps, maxGradNorm, lr, weightDecay, beta1, beta2, eps, schedule, warmupSteps,
                warmupRatio, finalLr, seed, logEvery, checkpointEveryEpoch, keepCheckpoints, nonfinitePolicy,
                maxNonfiniteSkips, bestMetric, earlyStoppingPatience, 0);
    }

    public enum NonfinitePolicy { STOP, SKIP }
}
