package org.pefttrainer.core.generate;

import org.pefttrainer.core.model.SpecialTokens;
import java.util.Arrays;

/**
 * One generated sequence: the new token ids (no decoder start token), ending with EOS when the sequence finished
 * before max_new_tokens. {@code score} is beam search's sequence score (summed log-probabilities over
 * length^length_penalty, as transformers' sequences_scores); NaN for greedy search and sampling.
 */
public record GeneratedSequence(long[] tokens, double score) {
    public int length() {
        return tokens.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GeneratedSequence g && Arrays.equals(tokens, g.tokens)
                && Double.compare(score, g.score) == 0;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(tokens) * 31 + Double.hashCode(score);
    }

    @Override
    public String toString() {
        return Arrays.toString(tokens) + (Double.isNaN(score) ? "" : " score=" + score);
    }

    /**
     * The tokens after the prefix among {@code row[0..length)}, cut after the first EOS (padding that greedy search
     * and sampling append to finished rows goes with it). With {@code keepAll} (ignore-EOS runs) nothing is cut.
     */
    static long[] cut(org.pefttrainer.core.model.SpecialTokens ids, long[] row, int prefix, int length,
            boolean keepAll) {
        int end = length;
        if (!keepAll) {
            for (int i = prefix; i < length; i++) {
                if (ids.isEos(row[i])) {
                    end = i + 1;
                    break;
                }
            }
        }
        return java.util.Arrays.copyOfRange(row, prefix, end);
    }
}
