package org.pefttrainer.core.data.batch;

import java.util.List;

/** Tokenised examples → one padded {@link Batch}: the seq2seq and the causal (decoder-only) layouts. */
public interface Collator {
    /** The batch of {@code examples[indices[0]], examples[indices[1]], ...}, rows in that order. */
    Batch collate(List<TokenizedExample> examples, int[] indices);

    int maxSourceLength();

    int maxTargetLength();
}
