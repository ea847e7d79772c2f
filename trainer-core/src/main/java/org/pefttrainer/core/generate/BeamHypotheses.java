package org.pefttrainer.core.generate;

import java.util.ArrayList;
import java.util.List;
import org.pefttrainer.core.generate.GenerationConfig.EarlyStopping;

/**
 * The n-best finished hypotheses of one input row, as transformers 4.33's BeamHypotheses keeps them: a hypothesis
 * is scored {@code sum_logprobs / len^length_penalty} where len counts its tokens including the decoder start token
 * and excluding the EOS that ended it; a new one enters while fewer than num_beams are kept or when it beats the
 * worst, which is then dropped.
 */
final class BeamHypotheses {
    /** A finished (or, at finalize, a still running) hypothesis; {@code tokens} start with the decoder start token. */
    record Hypothesis(double score, long[] tokens, boolean endsWithEos) {}

    private final int numBeams;
    private final double lengthPenalty;
    private final EarlyStopping earlyStopping;
    private final int maxLength;
    private final List<Hypothesis> beams = new ArrayList<>();
    private double worstScore = 1e9;

    /** {@code maxLength}: transformers' max_length, i.e. max_new_tokens + 1 for the decoder start token. */
    BeamHypotheses(int numBeams, double lengthPenalty, EarlyStopping earlyStopping, int maxLength) {
        this.numBeams = numBeams;
        this.lengthPenalty = lengthPenalty;
        this.earlyStopping = earlyStopping;
        this.maxLength = maxLength;
    }

    int size() {
        return beams.size();
    }

    void add(long[] tokens, double sumLogprobs, boolean endsWithEos) {
        add(tokens, tokens.length, sumLogprobs, endsWithEos);
    }

    /** As {@link #add(long[], double, boolean)}, scored with {@code length} instead of the token count. */
    void add(long[] tokens, int length, double sumLogprobs, boolean endsWithEos) {
        double score = sumLogprobs / Math.pow(length, lengthPenalty);
        if (beams.size() < numBeams || score > worstScore) {
            beams.add(new Hypothesis(score, tokens, endsWithEos));
            if (beams.size() > numBeams) {
                // Drop the lowest score (the earliest added among equals, as sorting (score, index) pairs does);
                // the new worst is the lowest of the rest.
                int worst = 0;
                for (int i = 1; i < beams.size(); i++) {
                    if (beams.get(i).score() < beams.get(worst).score()) {
                        worst = i;
                    }
                }
                beams.remove(worst);
                double min = Double.POSITIVE_INFINITY;
                for (Hypothesis h : beams) {
                    min = Math.min(min, h.score());
                }
                worstScore = min;
            } else {
                worstScore = Math.min(score, worstScore);
            }
        }
    }

    /**
     * Whether no running hypothesis can still enter: {@code bestSumLogprobs} is the best candidate score of this
     * step and {@code curLength} the length the sequences have after it (decoder start token included).
     */
    boolean isDone(double bestSumLogprobs, int curLength) {
        if (beams.size() < numBeams) {
            return false;
        }
        switch (earlyStopping) {
            case AT_NUM_BEAMS:
                return true;
            case HEURISTIC:
                return worstScore >= bestSumLogprobs / Math.pow(curLength, lengthPenalty);
            case NEVER:
                // With a positive length penalty the best attainable score is reached at max_length.
                int length = lengthPenalty > 0 ? maxLength : curLength;
                return worstScore >= bestSumLogprobs / Math.pow(length, lengthPenalty);
            default:
                throw new IllegalStateException();
        }
    }

    /**
     * The {@code n} best, best first. Ties go as in transformers' finalize: a stable ascending sort popped from the
     * end, so among equal scores the later-added hypothesis comes first.
     */
    List<Hypothesis> best(int n) {
        List<Hypothesis> sorted = new ArrayList<>(beams);
        sorted.sort((a, b) -> a.score() < b.score() ? -1 : a.score() > b.score() ? 1 : 0);
        List<Hypothesis> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(sorted.get(sorted.size() - 1 - i));
        }
        return out;
    }
}
