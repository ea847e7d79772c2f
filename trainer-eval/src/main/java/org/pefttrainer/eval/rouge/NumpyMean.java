package org.pefttrainer.eval.rouge;

/**
 * The mean exactly as numpy's {@code np.mean} computes it for a 1-D float64 array: numpy's pairwise summation
 * (blocks of 128 summed with 8 partial sums, halves split at multiples of 8), then one division. A plain running
 * sum differs from it in the last bits; with this the means equal rouge_score's bit for bit.
 */
final class NumpyMean {
    private static final int BLOCK = 128;

    private NumpyMean() {}

    static double mean(double[] values) {
        return pairwiseSum(values, 0, values.length) / values.length;
    }

    private static double pairwiseSum(double[] a, int from, int n) {
        if (n < 8) {
            double sum = 0.0;
            for (int i = 0; i < n; i++) {
                sum += a[from + i];
            }
            return sum;
        }
        if (n <= BLOCK) {
            double[] r = new double[8];
            System.arraycopy(a, from, r, 0, 8);
            int i = 8;
            for (; i < n - n % 8; i += 8) {
                for (int k = 0; k < 8; k++) {
                    r[k] += a[from + i + k];
                }
            }
            double sum = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
            for (; i < n; i++) {
                sum += a[from + i];
            }
            return sum;
        }
        int half = n / 2;
        half -= half % 8;
        return pairwiseSum(a, from, half) + pairwiseSum(a, from + half, n - half);
    }
}
