package org.pefttrainer.core.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;

/**
 * transformers' NoRepeatNGramLogitsProcessor: a token is banned when it would complete an n-gram that already
 * occurs in the row's sequence. The sequence includes the decoder start token, as transformers' input_ids do.
 */
final class NoRepeatNGram {
    private final int n;

    NoRepeatNGram(int n) {
        this.n = n;
    }

    /** Tokens banned after {@code tokens[0..length)}: the last tokens of earlier n-grams sharing the current prefix. */
    long[] banned(long[] tokens, int length) {
        if (n <= 0 || length + 1 < n) {
            return new long[0];
        }
        int prefixStart = length - (n - 1);
        long[] out = new long[length];
        int count = 0;
        for (int i = 0; i + n <= length; i++) {
            boolean match = true;
            for (int j = 0; j < n - 1 && match; j++) {
                match = tokens[i + j] == tokens[prefixStart + j];
            }
            if (match) {
                out[count++] = tokens[i + n - 1];
            }
        }
        return Arrays.copyOf(out, count);
    }

    /**
     * {@code scores} [rows, V] with every banned token of each row set to -inf; the same array when nothing is
     * banned. The result belongs to the scores' manager.
     */
    NDArray apply(NDArray scores, long[][] tokens, int length) {
        if (n <= 0) {
            return scores;
        }
        int rows = tokens.length;
        long vocab = scores.getShape().get(1);
        long[][] banned = new long[rows][];
        int total = 0;
        for (int r = 0; r < rows; r++) {
            banned[r] = banned(tokens[r], length);
            total += banned[r].length;
        }
        if (total == 0) {
            return scores;
        }
        long[] flat = new long[total];
        int k = 0;
        for (int r = 0; r < rows; r++) {
            for (long t : banned[r]) {
                flat[k++] = r * vocab + t;
            }
        }
        float[] minusInf = new float[total];
        Arrays.fill(minusInf, Float.NEGATIVE_INFINITY);
        NDManager m = scores.getManager();
        return scores.put(m.create(flat), m.create(minusInf, new Shape(total)));
    }

    /** The same bans on one row held in Java (sampling). */
    void apply(float[] scores, long[] tokens, int length) {
        for (long t : banned(tokens, length)) {
            scores[(int) t] = Float.NEGATIVE_INFINITY;
        }
    }
}
