package org.pefttrainer.spark;

import java.io.Serializable;
import java.util.List;

/**
 * What a worker sends back for one update: partial gradients (one array per trainable parameter, in the
 * trainable's order) with the loss term of each, its tokens, and how long its computation took.
 */
record GradientResult(int worker, List<Partial> partials, long tokens, boolean finite, double badLoss,
        long computeNanos, String host) implements Serializable {

    /**
     * A gradient to add, keyed by where it goes in the sum: (micro-batch, worker). {@code loss}: the micro-batch's
     * loss, or in row mode the worker's token-weighted part of every micro-batch's loss.
     */
    record Partial(int micro, int worker, float[][] gradient, double loss) implements Serializable {}
}
