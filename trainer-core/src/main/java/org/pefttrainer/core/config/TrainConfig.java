package org.pefttrainer.core.config;

import java.util.OptionalInt;

/**
 * Section {@code train}.
 *
 * @param epochs               passes over the training set; empty when only maxSteps counts
 * @param maxSteps             optimizer steps to run; when present it wins over epochs (as Hugging Face's
 *                             max_steps); at least one of the two is present (validated)
 * @param maxGradNorm          global gradient-norm clip; 0 = off
 * @param keepCheckpoints      epoch checkpoints kept; 0 = all
 * @param checkpointEverySteps a resumable step-N checkpoint every this many updates (the previous one is deleted);
 *                             0 = off
 * @param gradientCheckpointing recompute each transformer block in the backward pass instead of keeping its
 *                              activations
 */
public record TrainConfig(
        OptionalInt epochs,
        OptionalInt maxSteps,
        int batchSize,
        int gradAccumSteps,
        double maxGradNorm,
        int logEvery,
        boolean bucketByLength,
        NonFiniteConfig nonfinite,
        boolean checkpointEveryEpoch,
        int keepCheckpoints,
        int checkpointEverySteps,
        boolean gradientCheckpointing) {

    /** Section {@code train.nonfinite}: what a NaN/Inf loss or gradient does. */
    public record NonFiniteConfig(Policy policy, int maxSkips) {}

    public enum Policy implements ConfigEnum {
        /** Fail the run. */
        STOP("stop"),
        /** Drop the step (no update), up to maxSkips times. */
        SKIP("skip");

        private final String configName;

        Policy(String configName) {
            this.configName = configName;
        }

        @Override
        public String configName() {
            return configName;
        }
    }
}
