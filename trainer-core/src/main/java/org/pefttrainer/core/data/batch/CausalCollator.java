package org.pefttrainer.core.data.batch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Decoder-only batches: each row is the prompt (at most maxSourceLength tokens, its start kept), then the summary
 * (at most maxTargetLength tokens) and EOS, right-padded. The loss covers the summary and EOS only: labels are -100
 * over the prompt and the padding. Labels are stored already shifted (labels[t] is the token at t + 1), so the
 * cross-entropy of logits[t] against labels[t] is transformers' shifted causal-LM loss.
 */
public final class CausalCollator implements Collator {
    private final int maxSourceLength;
    private final int maxTargetLength;
    private final int eosTokenId;
    private final int padTokenId;
    private final boolean appendEos;

    public CausalCollator(int maxSourceLength, int maxTargetLength, int eosTokenId, int padTokenId) {
        this(maxSourceLength, maxTargetLength, eosTokenId, padTokenId, true);
    }

    /**
     * @param appendEos false for chat examples, whose target already ends with the template's end of turn
     */
    public CausalCollator(int maxSourceLength, int maxTargetLength, int eosTokenId, int padTokenId,
            boolean appendEos) {
        this.maxSourceLength = maxSourceLength;
        this.maxTargetLength = maxTargetLength;
        this.eosTokenId = eosTokenId;
        this.padTokenId = padTokenId;
        this.appendEos = appendEos;
    }

    @Override
    public int maxSourceLength() {
        return maxSourceLength;
    }

    @Override
    public int maxTargetLength() {
        return maxTargetLength;
    }

    /** Prompt then summary then EOS, and where the summary starts. */
    public int[] sequence(TokenizedExample e) {
        int[] p = Arrays.copyOf(e.sourceIds(), Math.min(e.sourceIds().length, maxSourceLength));
        int t = Math.min(e.targetIds().length, Math.max(0, maxTargetLength - (appendEos ? 1 : 0)));
        int[] seq = Arrays.copyOf(p, p.length + t + (appendEos ? 1 : 0));
        System.arraycopy(e.targetIds(), 0, seq, p.length, t);
        if (appendEos) {
            seq[seq.length - 1] = eosTokenId;
        }
        return seq;
    }

    @Override
    public Batch collate(List<TokenizedExample> examples, int[] indices) {
        int n = indices.length;
        int[][] rows = new int[n][];
        int[] promptLen = new int[n];
        boolean[][] earlier = new boolean[n][];
        List<String> ids = new ArrayList<>(n);
        int width = 0;
        for (int r = 0; r < n; r++) {
            TokenizedExample e = examples.get(indices[r]);
            ids.add(e.id());
            rows[r] = sequence(e);
            promptLen[r] = Math.min(e.sourceIds().length, maxSourceLength);
            earlier[r] = e.sourceLabels();
            width = Math.max(width, rows[r].length);
        }
        long[] inputIds = new long[n * width];
        long[] mask = new long[n * width];
        long[] labels = new long[n * width];
        Arrays.fill(inputIds, padTokenId);
        Arrays.fill(labels, Batch.IGNORE_INDEX);
        for (int r = 0; r < n; r++) {
            for (int j = 0; j < rows[r].length; j++) {
                inputIds[r * width + j] = rows[r][j];
                mask[r * width + j] = 1;
                // position j predicts token j + 1: supervised when that token is part of the summary or EOS
                if (j + 1 < rows[r].length && (j + 1 >= promptLen[r]
                        || earlier[r] != null && earlier[r][j + 1])) {
                    labels[r * width + j] = rows[r][j + 1];
                }
            }
        }
        return new Batch(ids, indices.clone(), n, width, width, inputIds, mask, labels, null);
    }
}
