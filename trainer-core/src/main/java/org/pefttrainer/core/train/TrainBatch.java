package org.pefttrainer.core.train;

import java.util.List;

/**
 * One padded batch as plain arrays: encoder ids and mask [B, S], decoder inputs (labels shifted right) and labels
 * [B, T] with -100 on padding, and the example ids. A decoder-only batch has no decoder inputs (null) and labels
 * aligned with the input ids (already shifted, -100 over prompt and padding).
 */
public record TrainBatch(long[][] inputIds, long[][] attentionMask, long[][] decoderInputIds, long[][] labels,
        List<String> exampleIds) implements java.io.Serializable {

    public int size() {
        return inputIds.length;
    }

    /**
     * Real (non-padding) source tokens plus supervised target tokens: the unit of tokens/s. A decoder-only batch
     * (no decoder inputs) holds its targets in the one sequence: its real tokens alone.
     */
    public long tokens() {
        long n = 0;
        for (long[] row : attentionMask) {
            for (long m : row) {
                n += m;
            }
        }
        if (decoderInputIds == null) {
            return n;
        }
        for (long[] row : labels) {
            for (long l : row) {
                if (l >= 0) {
                    n++;
                }
            }
        }
        return n;
    }
}
