package org.pefttrainer.eval.evaluate;

import java.util.List;
import java.util.Map;
import org.pefttrainer.eval.metrics.Resampling;
import org.pefttrainer.eval.metrics.TextMetrics;
import org.pefttrainer.eval.rouge.RougeSummary;
import org.pefttrainer.eval.rouge.RougeType;

/** Predictions in input order, their metrics with bootstrap intervals, and how long generation took. */
public record EvalResult(List<Prediction> predictions, TextMetrics.Summary metrics, double seconds,
        long generatedTokens) {

    /** rouge_score's summary, or null when ROUGE was not computed. */
    public RougeSummary summary() {
        return metrics.rouge();
    }

    public double meanF(RougeType type) {
        return metrics.rouge().mean().get(type).fmeasure();
    }

    /** Metric key → value and interval, in order: rouge1..rougeLsum, bleu, exact_match (those computed). */
    public Map<String, Resampling.Estimate> estimates() {
        return metrics.estimates();
    }
}
