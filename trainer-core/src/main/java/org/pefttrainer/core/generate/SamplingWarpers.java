package org.pefttrainer.core.generate;

import java.util.Arrays;

/**
 * transformers' sampling warpers on one row of next-token scores, in their order (temperature, top-k, top-p), with
 * filter value -inf and min_tokens_to_keep 1, then the softmax to probabilities.
 */
final class SamplingWarpers {
    private final double temperature;
    private final int topK;
    private final double topP;

    SamplingWarpers(double temperature, int topK, double topP) {
        this.temperature = temperature;
        this.topK = topK;
        this.topP = topP;
    }

    /** Warps {@code scores} in place. */
    void apply(float[] scores) {
        if (temperature != 1.0) {
            float t = (float) temperature;
            float max = Float.NEGATIVE_INFINITY;
            for (float v : scores) {
                max = Math.max(max, Math.abs(v) == Float.POSITIVE_INFINITY ? max : Math.abs(v));
            }
            if (t >= Float.MIN_NORMAL && max / t < Float.MAX_VALUE / 2) {
                for (int i = 0; i < scores.length; i++) {
                    scores[i] = scores[i] / t; // transformers' arithmetic, to the bit
                }
            } else {
                // A temperature so small that score / T overflows: shift by the row's maximum first (softmax does
                // not change), so the best tokens get 0 and the rest -inf instead of inf - inf = NaN.
                float top = Float.NEGATIVE_INFINITY;
                for (float v : scores) {
                    top = Math.max(top, v);
                }
                for (int i = 0; i < scores.length; i++) {
                    scores[i] = (float) ((scores[i] - (double) top) / temperature);
                }
            }
        }
        if (topK > 0) {
            topK(scores, Math.min(topK, scores.length));
        }
        if (topP < 1.0) {
            topP(scores, topP);
        }
    }

    /** TopKLogitsWarper: removes every score below the k-th largest (ties with it stay). */
    static void topK(float[] scores, int k) {
        float[] sorted = scores.clone();
        Arrays.sort(sorted);
        float kth = sorted[sorted.length - k];
        for (int i = 0; i < scores.length; i++) {
            if (scores[i] < kth) {
                scores[i] = Float.NEGATIVE_INFINITY;
            }
        }
    }

    /**
     * TopPLogitsWarper: in ascending order of score, the tokens whose cumulative probability is at most 1 - top_p
     * are removed (the most likely token always stays); what remains is the smallest set of most likely tokens whose
     * probability exceeds top_p.
     */
    static void topP(float[] scores, double p) {
        int[] order = ascendingOrder(scores);
        double max = Double.NEGATIVE_INFINITY;
        for (float s : scores) {
            max = Math.max(max, s);
        }
        double[] exp = new double[order.length];
        double sum = 0;
        for (int i = 0; i < order.length; i++) {
            exp[i] = Math.exp(scores[order[i]] - max);
            sum += exp[i];
        }
        double cumulative = 0;
        for (int i = 0; i < order.length - 1; i++) {
            cumulative += exp[i] / sum;
            if (cumulative <= 1 - p) {
                scores[order[i]] = Float.NEGATIVE_INFINITY;
            } else {
                break;
            }
        }
    }

    /** Indices sorted by ascending score (ties by index), via one primitive sort of (sortable score bits, index). */
    static int[] ascendingOrder(float[] scores) {
        long[] keys = new long[scores.length];
        for (int i = 0; i < scores.length; i++) {
            int bits = Float.floatToIntBits(scores[i]);
            // Flip so that signed int order equals float order (negative floats have reversed magnitude bits).
            int sortable = bits >= 0 ? bits : bits ^ 0x7fffffff;
            keys[i] = ((long) sortable << 32) | i;
        }
        Arrays.sort(keys);
        int[] order = new int[scores.length];
        for (int i = 0; i < keys.length; i++) {
            order[i] = (int) keys[i];
        }
        return order;
    }

    /** softmax(scores) in double precision (-inf gives probability 0). */
    static double[] probabilities(float[] scores) {
        double max = Double.NEGATIVE_INFINITY;
        for (float s : scores) {
            max = Math.max(max, s);
        }
        double[] p = new double[scores.length];
        double sum = 0;
        for (int i = 0; i < scores.length; i++) {
            p[i] = Math.exp(scores[i] - max);
            sum += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= sum;
        }
        return p;
    }
}
