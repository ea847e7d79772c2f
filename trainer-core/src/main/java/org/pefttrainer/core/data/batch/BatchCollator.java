package org.pefttrainer.core.data.batch;

import org.pefttrainer.core.model.SpecialTokens;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Truncates, pads and shifts tokenised examples into a {@link Batch}, as transformers' tokenizer (truncation=True,
 * padding=longest) and {@code DataCollatorForSeq2Seq} followed by T5's {@code _shift_right} would.
 */
public final class BatchCollator implements Collator {
    private final int maxSourceLength;
    private final int maxTargetLength;
    private final SpecialTokens special;

    public BatchCollator(int maxSourceLength, int maxTargetLength, SpecialTokens special) {
        if (maxSourceLength < 1 || maxTargetLength < 1) {
            throw new IllegalArgumentException("max lengths must be >= 1");
        }
        this.maxSourceLength = maxSourceLength;
        this.maxTargetLength = maxTargetLength;
        this.special = special;
    }

    @Override
    public int maxSourceLength() {
        return maxSourceLength;
    }

    @Override
    public int maxTargetLength() {
        return maxTargetLength;
    }

    public SpecialTokens specialTokens() {
        return special;
    }

    /** The batch of {@code examples[indices[0]], examples[indices[1]], ...}, rows in that order. */
    @Override
    public Batch collate(List<TokenizedExample> examples, int[] indices) {
        int n = indices.length;
        int[][] src = new int[n][];
        int[][] tgt = new int[n][];
        List<String> ids = new ArrayList<>(n);
        int srcLen = 0;
        int tgtLen = 0;
        for (int r = 0; r < n; r++) {
            TokenizedExample e = examples.get(indices[r]);
            ids.add(e.id());
            src[r] = truncate(e.sourceIds(), maxSourceLength, special.eosTokenId());
            tgt[r] = truncate(e.targetIds(), maxTargetLength, special.eosTokenId());
            srcLen = Math.max(srcLen, src[r].length);
            tgtLen = Math.max(tgtLen, tgt[r].length);
        }
        long[] inputIds = new long[n * srcLen];
        long[] mask = new long[n * srcLen];
        long[] labels = new long[n * tgtLen];
        long[] decoderInputIds = new long[n * tgtLen];
        Arrays.fill(inputIds, special.padTokenId());
        Arrays.fill(labels, Batch.IGNORE_INDEX);
        for (int r = 0; r < n; r++) {
            for (int j = 0; j < src[r].length; j++) {
                inputIds[r * srcLen + j] = src[r][j];
                mask[r * srcLen + j] = 1;
            }
            for (int j = 0; j < tgt[r].length; j++) {
                labels[r * tgtLen + j] = tgt[r][j];
            }
            shiftRight(labels, decoderInputIds, r * tgtLen, tgtLen);
        }
        return new Batch(ids, indices.clone(), n, srcLen, tgtLen, inputIds, mask, labels, decoderInputIds);
    }

    /**
     * At most {@code max} ids. A sequence ending in EOS keeps it: the first {@code max - 1} ids, then EOS, which is
     * what a tokenizer that truncates before its post-processor appends {@code </s>} produces.
     */
    public static int[] truncate(int[] ids, int max, int eosId) {
        if (ids.length <= max) {
            return ids;
        }
        int[] out = Arrays.copyOf(ids, max);
        if (ids[ids.length - 1] == eosId) {
            out[max - 1] = eosId;
        }
        return out;
    }

    /** T5's _shift_right on one row: [start, labels[0..w-2]], -100 replaced by the pad id. */
    private void shiftRight(long[] labels, long[] out, int offset, int width) {
        if (width == 0) {
            return;
        }
        out[offset] = special.decoderStartTokenId();
        for (int j = 1; j < width; j++) {
            long l = labels[offset + j - 1];
            out[offset + j] = l == Batch.IGNORE_INDEX ? special.padTokenId() : l;
        }
    }
}
