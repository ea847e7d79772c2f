package org.pefttrainer.core.train;

import java.util.List;

/**
 * The training data as the trainer consumes it: for each epoch a deterministic list of batches (the same list every
 * time it is asked for, so that a resumed run continues at batch k of epoch e exactly).
 */
public interface BatchPlan {
    List<TrainBatch> batches(int epoch);
}
