package org.pefttrainer.eval.report;

import java.util.Map;
import org.pefttrainer.eval.rouge.RougeType;

/**
 * One "epoch" line of metrics.jsonl.
 *
 * @param rouge     mean F-measure per type, only the types the line has
 * @param intervals bootstrap interval of the F-measure per type, only where both bounds are present
 * @param bestEpoch the trainer's best epoch so far, or null
 */
public record EpochMetrics(long epoch, Long step, Double trainLoss, Map<RougeType, Double> rouge,
        Map<RougeType, Interval> intervals, Long bestEpoch, Double evalSeconds) {

    public EpochMetrics {
        rouge = Map.copyOf(rouge);
        intervals = Map.copyOf(intervals);
    }

    public boolean evaluated() {
        return !rouge.isEmpty();
    }

    /** A confidence interval. */
    public record Interval(double low, double high) {}
}
