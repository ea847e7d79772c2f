package org.pefttrainer.eval.rouge;

import java.util.Arrays;

/** rouge-N (N = 1 or 2): clipped n-gram matches over the n-gram counts of prediction and target. */
final class NgramOverlap {
    private NgramOverlap() {}

    static Score score(int[] target, int[] prediction, int n) {
        long[] targetGrams = sortedNgrams(target, n);
        long[] predictionGrams = sortedNgrams(prediction, n);
        int matches = clippedMatches(targetGrams, predictionGrams);
        // rouge_score divides by max(count, 1): an empty side gives 0, not NaN.
        double precision = (double) matches / Math.max(predictionGrams.length, 1);
        double recall = (double) matches / Math.max(targetGrams.length, 1);
        return Score.of(precision, recall);
    }

    /** Each n-gram packed into a long (ids are non-negative ints), sorted so equal n-grams are adjacent. */
    private static long[] sortedNgrams(int[] tokens, int n) {
        int count = Math.max(tokens.length - n + 1, 0);
        long[] grams = new long[count];
        for (int i = 0; i < count; i++) {
            grams[i] = n == 1 ? tokens[i] : ((long) tokens[i] << 32) | tokens[i + 1];
        }
        Arrays.sort(grams);
        return grams;
    }

    /** Sum over distinct n-grams of min(count in a, count in b): a merge of the two sorted lists. */
    private static int clippedMatches(long[] a, long[] b) {
        int i = 0;
        int j = 0;
        int matches = 0;
        while (i < a.length && j < b.length) {
            if (a[i] < b[j]) {
                i++;
            } else if (a[i] > b[j]) {
                j++;
            } else {
                matches++;
                i++;
                j++;
            }
        }
        return matches;
    }
}
