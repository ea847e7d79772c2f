package org.pefttrainer.recipes;

import java.util.AbstractList;
import java.util.List;
import org.pefttrainer.core.data.batch.Batch;
import org.pefttrainer.core.data.batch.BatchSampler;
import org.pefttrainer.core.data.batch.Collator;
import org.pefttrainer.core.data.batch.TokenizedExample;
import org.pefttrainer.core.train.BatchPlan;
import org.pefttrainer.core.train.TrainBatch;

/** Tokenized examples + a sampler + a collator: the trainer's per-epoch list of padded batches. */
public final class TrainBatches implements BatchPlan {
    private final List<TokenizedExample> examples;
    private final BatchSampler sampler;
    private final Collator collator;

    public TrainBatches(List<TokenizedExample> examples, BatchSampler sampler, Collator collator) {
        this.examples = examples;
        this.sampler = sampler;
        this.collator = collator;
    }

    /** The epoch's batches, padded lazily when the trainer reaches them (a whole epoch is never held at once). */
    @Override
    public List<TrainBatch> batches(int epoch) {
        List<int[]> order = sampler.epoch(epoch);
        return new AbstractList<>() {
            @Override
            public TrainBatch get(int i) {
                return toTrainBatch(collator.collate(examples, order.get(i)));
            }

            @Override
            public int size() {
                return order.size();
            }
        };
    }

    public static TrainBatch toTrainBatch(Batch b) {
        return new TrainBatch(b.inputIdsRows(), b.attentionMaskRows(), b.decoderInputIdsRows(), b.labelsRows(),
                b.exampleIds());
    }
}
