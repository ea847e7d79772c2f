package org.pefttrainer.core.generate;

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
}
