package org.pefttrainer.spark;

import java.io.Serializable;
import java.util.List;
import org.pefttrainer.core.train.TrainBatch;

/**
 * One worker's part of an optimizer update of G micro-batches. With G ≥ N workers each worker gets whole
 * micro-batches (j mod N = worker) and returns each one's gradient, so the driver adds them in the order a single
 * process accumulates them: the same bits. With fewer micro-batches than workers ({@code rows}), each worker gets
 * its rows of every micro-batch, weighted by its share of the micro-batch's label tokens.
 */
record GradientShare(int worker, int workers, int step, int groupSize, boolean rows, List<Part> parts)
        implements Serializable {

    /** Rows of micro-batch {@code micro} (its position in the group) and that micro-batch's label tokens in all. */
    record Part(int micro, TrainBatch batch, long labelTokens) implements Serializable {}
}
