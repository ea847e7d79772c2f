package org.pefttrainer.core.data.batch;

import java.util.List;

/**
 * One padded batch as plain arrays, row-major: row {@code r} of a {@code [size, width]} array is
 * {@code [r * width, (r + 1) * width)}. Names and conventions are those of transformers' seq2seq models.
 *
 * @param exampleIds      ids of the examples, in row order
 * @param indices         positions of the examples in the tokenised list the batch was cut from
 * @param size            number of rows
 * @param sourceLength    width of input_ids / attention_mask (longest truncated source in the batch)
 * @param targetLength    width of labels / decoder_input_ids (longest truncated target in the batch)
 * @param inputIds        input_ids, padded with the pad id
 * @param attentionMask   attention_mask: 1 for real tokens, 0 for padding
 * @param labels          labels, padded with -100 (ignored by the loss)
 * @param decoderInputIds decoder_input_ids: labels shifted right, decoder start id first, -100 replaced by pad;
 *                        null for a decoder-only model, whose labels are aligned with input_ids
 */
public record Batch(List<String> exampleIds, int[] indices, int size, int sourceLength, int targetLength,
        long[] inputIds, long[] attentionMask, long[] labels, long[] decoderInputIds) {

    /** The label value the loss ignores, as in PyTorch's CrossEntropyLoss and transformers. */
    public static final long IGNORE_INDEX = -100;

    public Batch {
        exampleIds = List.copyOf(exampleIds);
    }

    /** {@code [size, sourceLength]}, the shape of input_ids and attention_mask. */
    public long[] sourceShape() {
        return new long[] {size, sourceLength};
    }

    /** {@code [size, targetLength]}, the shape of labels and decoder_input_ids. */
    public long[] targetShape() {
        return new long[] {size, targetLength};
    }

    /** Number of label positions the loss counts (not -100). */
    public int targetTokenCount() {
        int n = 0;
        for (long l : labels) {
            if (l != IGNORE_INDEX) {
                n++;
            }
        }
        return n;
    }

    public long[][] inputIdsRows() {
        return rows(inputIds, sourceLength);
    }

    public long[][] attentionMaskRows() {
        return rows(attentionMask, sourceLength);
    }

    public long[][] labelsRows() {
        return rows(labels, targetLength);
    }

    /** Null for a decoder-only batch (no decoder inputs). */
    public long[][] decoderInputIdsRows() {
        return decoderInputIds == null ? null : rows(decoderInputIds, targetLength);
    }

    private long[][] rows(long[] flat, int width) {
        long[][] out = new long[size][width];
        for (int r = 0; r < size; r++) {
            System.arraycopy(flat, r * width, out[r], 0, width);
        }
        return out;
    }
}
