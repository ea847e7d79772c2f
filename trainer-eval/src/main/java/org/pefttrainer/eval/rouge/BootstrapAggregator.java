package org.pefttrainer.eval.rouge;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import org.apache.commons.math3.stat.descriptive.rank.Percentile;

/**
 * Collects per-prediction scores and summarizes them as rouge_score's {@code BootstrapAggregator} does: for each
 * ROUGE type in turn (rouge1, rouge2, rougeL, rougeLsum, all drawing from one random stream), {@code resamples}
 * resamples of the predictions with replacement, the mean of each resample, and the percentiles
 * {@code (1-c)/2}, 50, {@code (1+c)/2} of those means with numpy's default linear interpolation (Hyndman-Fan
 * type 7). Not thread-safe.
 */
public final class BootstrapAggregator {
    private static final int MEASURES = 3; // precision, recall, fmeasure

    private final BootstrapSettings settings;
    private final List<RougeScores> scores = new ArrayList<>();

    public BootstrapAggregator() {
        this(BootstrapSettings.DEFAULT);
    }

    public BootstrapAggregator(BootstrapSettings settings) {
        this.settings = settings;
    }

    public BootstrapAggregator add(RougeScores s) {
        scores.add(s);
        return this;
    }

    public BootstrapAggregator addAll(List<RougeScores> all) {
        scores.addAll(all);
        return this;
    }

    public int count() {
        return scores.size();
    }

    /** Means and intervals of everything added so far. Same input, same settings: same result. */
    public RougeSummary aggregate() {
        int n = scores.size();
        if (n == 0) {
            throw new IllegalStateException("no scores to aggregate");
        }
        EnumMap<RougeType, Score> means = new EnumMap<>(RougeType.class);
        EnumMap<RougeType, ConfidenceInterval> intervals = new EnumMap<>(RougeType.class);
        NumpyLegacyChoice choice = new NumpyLegacyChoice(settings.seed());
        double delta = (1 - settings.confidence()) / 2;
        double[] percentiles = {100 * delta, 100 * 0.5, 100 * (1 - delta)};
        int[] sample = new int[n];
        for (RougeType type : RougeType.values()) {
            double[][] columns = new double[MEASURES][n];
            for (int i = 0; i < n; i++) {
                Score s = scores.get(i).get(type);
                for (int m = 0; m < MEASURES; m++) {
                    columns[m][i] = s.get(m);
                }
            }
            means.put(type, new Score(NumpyMean.mean(columns[0]), NumpyMean.mean(columns[1]),
                    NumpyMean.mean(columns[2])));

            double[][] resampledMeans = new double[MEASURES][settings.resamples()];
            for (int r = 0; r < settings.resamples(); r++) {
                choice.draw(n, sample);
                for (int m = 0; m < MEASURES; m++) {
                    // numpy's mean over axis 0 of the resampled (n, 3) matrix adds rows in order.
                    double sum = 0.0;
                    double[] column = columns[m];
                    for (int idx : sample) {
                        sum += column[idx];
                    }
                    resampledMeans[m][r] = sum / n;
                }
            }
            double[][] bounds = new double[3][MEASURES]; // (low, mid, high) x measure
            Percentile percentile = new Percentile().withEstimationType(Percentile.EstimationType.R_7);
            for (int m = 0; m < MEASURES; m++) {
                percentile.setData(resampledMeans[m]);
                for (int b = 0; b < 3; b++) {
                    // Commons Math refuses the 0th percentile (confidence 1); numpy gives the minimum.
                    bounds[b][m] = percentiles[b] > 0
                            ? percentile.evaluate(percentiles[b])
                            : Arrays.stream(resampledMeans[m]).min().getAsDouble();
                }
            }
            intervals.put(type, new ConfidenceInterval(toScore(bounds[0]), toScore(bounds[1]), toScore(bounds[2])));
        }
        return new RougeSummary(n, means, intervals, settings);
    }

    private static Score toScore(double[] measures) {
        return new Score(measures[0], measures[1], measures[2]);
    }
}
