package org.pefttrainer.eval.evaluate;

import org.pefttrainer.core.data.Example;
import org.pefttrainer.eval.metrics.TextMetrics;
import org.pefttrainer.eval.rouge.RougeScores;

/** One evaluated example: the model's summary and its scores against the example's reference(s). */
public record Prediction(Example example, String prediction, TextMetrics.ExampleScores metrics) {

    /** Its ROUGE (null when ROUGE was not computed). */
    public RougeScores scores() {
        return metrics.rouge();
    }
}
