package org.pefttrainer.eval.evaluate;

import java.util.List;
import org.pefttrainer.eval.rouge.RougeSummary;
import org.pefttrainer.eval.rouge.RougeType;

/** Predictions in input order, their ROUGE means and bootstrap intervals, and how long generation took. */
public record EvalResult(List<Prediction> predictions, RougeSummary summary, double seconds, long generatedTokens) {

    public double meanF(RougeType type) {
        return summary.mean().get(type).fmeasure();
    }
}
