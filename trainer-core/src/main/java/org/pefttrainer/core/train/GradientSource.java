package org.pefttrainer.core.train;

import ai.djl.ndarray.NDManager;
import java.util.List;

/**
 * Where one optimizer update's gradient comes from. The trainer asks for the gradient of the mean of a group's
 * micro-batch losses, left in every trainable parameter's gradient, and then clips and updates as usual: this
 * process computing it ({@link LocalGradients}), or data-parallel workers whose gradients are summed elsewhere
 * (trainer-spark). Either way the update, checkpoints and evaluation stay the trainer's.
 */
public interface GradientSource extends AutoCloseable {
    /**
     * What one group gave.
     *
     * @param finite false when a loss was NaN or infinite (the trainer then zeroes the gradients and skips or stops)
     * @param loss   the mean of the group's micro-batch losses (on a non-finite loss: that loss)
     * @param tokens the group's tokens (the unit of tokens/s)
     */
    record Accumulated(boolean finite, double loss, long tokens) {}

    /**
     * Adds to each trainable parameter's gradient the gradient of mean(micro-batch losses of {@code group}) at
     * optimizer update {@code step} (0-based), with per-step arrays under {@code stepManager}.
     */
    Accumulated accumulate(List<TrainBatch> group, int step, NDManager stepManager);

    /** Releases what the source holds; called when training ends, before the model is closed. */
    @Override
    default void close() {
        // nothing held by default
    }

    /** Lines about what this source measured (e.g. exchange cost), for the run's summary; empty for none. */
    default java.util.Map<String, Object> summary() {
        return java.util.Map.of();
    }
}
