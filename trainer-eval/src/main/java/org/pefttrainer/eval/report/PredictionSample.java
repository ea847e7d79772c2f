package org.pefttrainer.eval.report;

import java.util.List;

/** One line of predictions.jsonl; null where the line lacks the field. */
public record PredictionSample(String id, String dialogue, List<String> references, String prediction,
        Double rougeLsumF) {

    public PredictionSample {
        references = List.copyOf(references);
    }
}
