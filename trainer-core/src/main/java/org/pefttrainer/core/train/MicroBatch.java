package org.pefttrainer.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.pefttrainer.core.model.ActivationCheckpoints;
import org.pefttrainer.core.model.ForwardContext;
import org.pefttrainer.core.model.LanguageModel;
import org.pefttrainer.core.task.TaskForward;
import org.pefttrainer.core.tensor.GradMode;
import org.pefttrainer.core.tensor.NdArrays;
import org.pefttrainer.core.tensor.Ops;

/**
 * One micro-batch's forward and backward pass: the loss (mean over its label tokens), divided by {@code divisor}, is
 * back-propagated into the trainable's gradients. A local step divides each of G micro-batches by G; a data-parallel
 * worker holding some rows of a micro-batch also divides by its share of the label tokens, so the workers' gradients
 * add up to the local one.
 */
public final class MicroBatch {
    private MicroBatch() {}

    /**
     * The dropout seed of micro-batch {@code micro} of update {@code step}: masks are a function of (seed, update,
     * micro-batch), so resumed runs draw the same ones.
     */
    public static long dropoutSeed(long seed, int step, int micro) {
        return seed * 0x9E3779B97F4A7C15L + (long) step * 1_000_003L + micro;
    }

    /**
     * Runs {@code batch} and back-propagates loss / {@code divisor}; returns the unweighted loss (NaN or infinite: no
     * backward pass was made). Arrays live under {@code parent}'s sub-manager and are closed on return.
     */
    public static float run(LanguageModel model, Trainable trainable, TrainBatch batch, long dropoutSeed,
            boolean gradientCheckpointing, double divisor, NDManager parent) {
        try (NDManager micro = parent.newSubManager(); GradMode.Scope recording = GradMode.on()) {
            ForwardContext ctx = trainable.attach(new ForwardContext(micro, true, null, null))
                    .withDropoutSeed(dropoutSeed);
            ActivationCheckpoints checkpoints = gradientCheckpointing ? new ActivationCheckpoints() : null;
            ctx = ctx.withActivationCheckpoints(checkpoints);
            NDArray ids = NdArrays.fromLong2d(micro, batch.inputIds());
            NDArray mask = NdArrays.fromLong2d(micro, batch.attentionMask());
            NDArray decIds = batch.decoderInputIds() == null ? null
                    : NdArrays.fromLong2d(micro, batch.decoderInputIds());
            NDArray labels = NdArrays.fromLong2d(micro, batch.labels());
            NDArray loss = TaskForward.loss(model, ctx, ids, mask, decIds, labels);
            float value = loss.getFloat();
            if (!Float.isFinite(value)) {
                return value;
            }
            NDArray scaled = Ops.div(loss, divisor);
            if (checkpoints != null) {
                checkpoints.backward(scaled);
            } else {
                GradMode.backward(scaled);
            }
            return value;
        }
    }

    /** Label tokens (labels &gt;= 0) of the rows of {@code batch}. */
    public static long labelTokens(TrainBatch batch) {
        long n = 0;
        for (long[] row : batch.labels()) {
            for (long l : row) {
                n += l >= 0 ? 1 : 0;
            }
        }
        return n;
    }
}
