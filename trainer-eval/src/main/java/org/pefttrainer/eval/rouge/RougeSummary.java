package org.pefttrainer.eval.rouge;

import java.util.Map;

/**
 * Corpus-level ROUGE: the plain mean of each measure over {@code count} predictions, and rouge_score's bootstrap
 * interval of that mean.
 */
public record RougeSummary(int count, Map<RougeType, Score> mean, Map<RougeType, ConfidenceInterval> interval,
                           BootstrapSettings bootstrap) {
    public RougeSummary {
        mean = Map.copyOf(mean);
        interval = Map.copyOf(interval);
    }
}
