package org.pefttrainer.eval.metrics;

import java.util.Arrays;
import java.util.function.ToDoubleFunction;
import org.apache.commons.math3.stat.descriptive.rank.Percentile;
import org.pefttrainer.eval.rouge.BootstrapSettings;
import org.pefttrainer.eval.rouge.NumpyLegacyChoice;

/**
 * Bootstrap over examples for any corpus statistic (a mean, BLEU from summed counts, a token-weighted loss): the
 * interval as ROUGE's (numpy's legacy {@code choice} with the seed, percentiles (1-c)/2, 50, (1+c)/2 with linear
 * interpolation), and the paired test that sacreBLEU and Moses use to compare two systems on the same examples.
 */
public final class Resampling {
    private Resampling() {}

    /** Point estimate and (low, mid, high) of a statistic. */
    public record Estimate(double value, double low, double mid, double high) {
        public static Estimate point(double value) {
            return new Estimate(value, Double.NaN, Double.NaN, Double.NaN);
        }

        public boolean hasInterval() {
            return !Double.isNaN(low);
        }
    }

    /** The statistic over all {@code n} examples and its bootstrap interval. */
    public static Estimate estimate(int n, ToDoubleFunction<int[]> statistic, BootstrapSettings s) {
        double value = statistic.applyAsDouble(all(n));
        if (n == 0) {
            return Estimate.point(value);
        }
        NumpyLegacyChoice choice = new NumpyLegacyChoice(s.seed());
        double[] values = new double[s.resamples()];
        int[] idx = new int[n];
        for (int r = 0; r < values.length; r++) {
            choice.draw(n, idx);
            values[r] = statistic.applyAsDouble(idx);
        }
        double delta = (1 - s.confidence()) / 2;
        return new Estimate(value, percentile(values, 100 * delta), percentile(values, 50),
                percentile(values, 100 * (1 - delta)));
    }

    /**
     * Paired bootstrap test (Koehn 2004; sacreBLEU's {@code paired_bs}): the same resamples of the examples for both
     * systems; p = (1 + #{resamples whose |a - b|, centred on its mean, exceeds the observed |a - b|}) / (1 + R).
     * Two systems that score the same on the examples get p = 1 (that formula would give 1 / (1 + R)).
     */
    public static double pairedPValue(int n, ToDoubleFunction<int[]> a, ToDoubleFunction<int[]> b, int resamples,
                                      int seed) {
        int[] every = all(n);
        double observed = Math.abs(a.applyAsDouble(every) - b.applyAsDouble(every));
        if (observed == 0) {
            return 1.0;
        }
        NumpyLegacyChoice choice = new NumpyLegacyChoice(seed);
        double[] diffs = new double[resamples];
        int[] idx = new int[n];
        double sum = 0;
        for (int r = 0; r < resamples; r++) {
            choice.draw(n, idx);
            diffs[r] = Math.abs(a.applyAsDouble(idx) - b.applyAsDouble(idx));
            sum += diffs[r];
        }
        double mean = sum / resamples;
        int count = 0;
        for (double d : diffs) {
            if (d - mean > observed) {
                count++;
            }
        }
        return (count + 1.0) / (resamples + 1.0);
    }

    /** The mean of {@code values} over the indices. */
    public static ToDoubleFunction<int[]> mean(double[] values) {
        return idx -> {
            double s = 0;
            for (int i : idx) {
                s += values[i];
            }
            return idx.length == 0 ? Double.NaN : s / idx.length;
        };
    }

    /** sum(num) / sum(den) over the indices (a token-weighted mean). */
    public static ToDoubleFunction<int[]> ratio(double[] num, double[] den) {
        return idx -> {
            double a = 0;
            double b = 0;
            for (int i : idx) {
                a += num[i];
                b += den[i];
            }
            return a / b;
        };
    }

    static int[] all(int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        return a;
    }

    private static double percentile(double[] values, double p) {
        if (p <= 0) {
            return Arrays.stream(values).min().orElse(Double.NaN);
        }
        return new Percentile().withEstimationType(Percentile.EstimationType.R_7).evaluate(values, p);
    }
}
