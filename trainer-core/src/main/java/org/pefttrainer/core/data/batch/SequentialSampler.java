package org.pefttrainer.core.data.batch;

import java.util.ArrayList;
import java.util.List;

/** Batches in dataset order, for evaluation: batch k holds examples [k·B, (k+1)·B); the last may be short. */
public final class SequentialSampler implements BatchSampler {
    private final int size;
    private final int batchSize;

    public SequentialSampler(int size, int batchSize) {
        if (batchSize < 1 || size < 0) {
            throw new IllegalArgumentException("batch size must be >= 1 and size >= 0");
        }
        this.size = size;
        this.batchSize = batchSize;
    }

    @Override
    public List<int[]> epoch(int epoch) {
        List<int[]> batches = new ArrayList<>(batchesPerEpoch());
        for (int start = 0; start < size; start += batchSize) {
            int[] b = new int[Math.min(batchSize, size - start)];
            for (int i = 0; i < b.length; i++) {
                b[i] = start + i;
            }
            batches.add(b);
        }
        return batches;
    }

    @Override
    public int batchesPerEpoch() {
        return (size + batchSize - 1) / batchSize;
    }
}
