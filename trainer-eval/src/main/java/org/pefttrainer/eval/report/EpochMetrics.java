package org.pefttrainer.eval.report;

import java.util.Map;
import org.pefttrainer.eval.rouge.RougeType;

/**
 * One "epoch" line of metrics.jsonl.
 *
 * @param rouge     mean F-measure per type, only the types the line has
 * @param intervals bootstrap interval of the F-measure per type, only where both bounds are present
 * @param bestEpoch the trainer's best epoch so far, or null
 * @param other     the other validation values the line has ({@link #OTHER}: BLEU, exact match, loss, perplexity)
 * @param otherIntervals their bootstrap intervals, where both bounds are present
 */
public record EpochMetrics(long epoch, Long step, Double trainLoss, Map<RougeType, Double> rouge,
        Map<RougeType, Interval> intervals, Long bestEpoch, Double evalSeconds, Map<String, Double> other,
        Map<String, Interval> otherIntervals) {

    /** The non-ROUGE validation keys of an epoch line, in the report's column order. */
    public static final java.util.List<String> OTHER = java.util.List.of("bleu", "exact_match", "val_loss",
            "perplexity");

    public EpochMetrics {
        rouge = Map.copyOf(rouge);
        intervals = Map.copyOf(intervals);
        other = Map.copyOf(other);
        otherIntervals = Map.copyOf(otherIntervals);
    }

    public EpochMetrics(long epoch, Long step, Double trainLoss, Map<RougeType, Double> rouge,
            Map<RougeType, Interval> intervals, Long bestEpoch, Double evalSeconds) {
        this(epoch, step, trainLoss, rouge, intervals, bestEpoch, evalSeconds, Map.of(), Map.of());
    }

    public boolean evaluated() {
        return !rouge.isEmpty() || !other.isEmpty();
    }

    /** A confidence interval. */
    public record Interval(double low, double high) {}
}
