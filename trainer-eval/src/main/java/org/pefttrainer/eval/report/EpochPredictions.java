package org.pefttrainer.eval.report;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.pefttrainer.eval.rouge.RougeType;

/**
 * The evaluation output of one epoch (eval/epoch-N/).
 *
 * @param samples    the first lines of predictions.jsonl (as many as the report shows)
 * @param total      non-blank lines in predictions.jsonl (0 when the file is missing)
 * @param unreadable lines among the samples' that were not JSON objects
 * @param means      mean F-measure per type from rouge.json (empty when it is missing or unreadable)
 * @param count      rouge.json's "count", or null
 */
public record EpochPredictions(long epoch, Path folder, List<PredictionSample> samples, long total, int unreadable,
        Map<RougeType, Double> means, Map<RougeType, EpochMetrics.Interval> intervals, Long count) {

    public EpochPredictions {
        samples = List.copyOf(samples);
        means = Map.copyOf(means);
        intervals = Map.copyOf(intervals);
    }
}
