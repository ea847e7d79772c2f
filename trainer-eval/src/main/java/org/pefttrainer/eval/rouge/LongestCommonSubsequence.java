package org.pefttrainer.eval.rouge;

import java.util.Arrays;

/** Longest common subsequence of token ids: its length (rougeL) and, for rougeLsum, which one rouge_score picks. */
final class LongestCommonSubsequence {
    private LongestCommonSubsequence() {}

    /** rougeL: LCS length over prediction and target lengths; zero when either side has no tokens. */
    static Score score(int[] target, int[] prediction) {
        if (target.length == 0 || prediction.length == 0) {
            return Score.ZERO;
        }
        int lcs = length(target, prediction);
        return Score.of((double) lcs / prediction.length, (double) lcs / target.length);
    }

    static int length(int[] a, int[] b) {
        int[] previous = new int[b.length + 1];
        int[] current = new int[b.length + 1];
        for (int i = 1; i <= a.length; i++) {
            int ai = a[i - 1];
            for (int j = 1; j <= b.length; j++) {
                current[j] = ai == b[j - 1] ? previous[j - 1] + 1 : Math.max(previous[j], current[j - 1]);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length];
    }

    /**
     * Marks in {@code marked} the positions of {@code ref} that belong to the one LCS of (ref, can) that
     * rouge_score's {@code _backtrack_norec} reads out: walking back from the end, take a match, else step
     * along {@code can} only when that keeps a strictly longer LCS, otherwise step along {@code ref}. Which LCS
     * is picked changes rougeLsum, so the tie-break must be this one. {@code table} is scratch space of at least
     * {@code (ref.length + 1) * (can.length + 1)} ints.
     */
    static void markOneLcs(int[] ref, int[] can, boolean[] marked, int[] table) {
        int rows = ref.length + 1;
        int cols = can.length + 1;
        // table is scratch of at least rows * cols ints, reused between calls: clear row 0 and column 0 only,
        // every other cell is written before it is read.
        Arrays.fill(table, 0, cols, 0);
        for (int i = 1; i < rows; i++) {
            table[i * cols] = 0;
        }
        for (int i = 1; i < rows; i++) {
            int ri = ref[i - 1];
            int row = i * cols;
            int up = row - cols;
            for (int j = 1; j < cols; j++) {
                table[row + j] = ri == can[j - 1]
                        ? table[up + j - 1] + 1
                        : Math.max(table[up + j], table[row + j - 1]);
            }
        }
        int i = ref.length;
        int j = can.length;
        while (i > 0 && j > 0) {
            if (ref[i - 1] == can[j - 1]) {
                marked[i - 1] = true;
                i--;
                j--;
            } else if (table[i * cols + j - 1] > table[(i - 1) * cols + j]) {
                j--;
            } else {
                i--;
            }
        }
    }
}
