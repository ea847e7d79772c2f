package org.pefttrainer.core.data.batch;

import java.util.List;

/**
 * The order of an epoch's batches, each an array of example indices. The order is a pure function of the epoch
 * (and the sampler's seed), so a trainer resumes at batch k of epoch e by taking {@code epoch(e).subList(k, ..)}.
 */
public interface BatchSampler {

    /** Every batch of epoch {@code epoch} (0-based), in the order to train or evaluate on them. */
    List<int[]> epoch(int epoch);

    /** Number of batches per epoch. */
    int batchesPerEpoch();
}
