package org.pefttrainer.core.generate;

import java.util.List;

/**
 * What {@link Generator#generate} returns: per input row (in input order) its num_return_sequences sequences, best
 * first for beam search.
 */
public record GenerationResult(List<List<GeneratedSequence>> rows) {
    public GenerationResult {
        rows = List.copyOf(rows.stream().map(List::copyOf).toList());
    }

    /** The first (for beam search: the best) sequence of input row {@code row}. */
    public GeneratedSequence best(int row) {
        return rows.get(row).get(0);
    }

    /** Number of generated tokens over all returned sequences. */
    public long tokenCount() {
        return rows.stream().flatMap(List::stream).mapToLong(GeneratedSequence::length).sum();
    }
}
