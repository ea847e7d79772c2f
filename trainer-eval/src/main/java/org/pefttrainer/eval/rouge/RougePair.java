package org.pefttrainer.eval.rouge;

import java.util.List;

/** One prediction and the references it is scored against (at least one). */
public record RougePair(String prediction, List<String> references) {
    public RougePair {
        references = List.copyOf(references);
        if (prediction == null || references.isEmpty()) {
            throw new IllegalArgumentException("a prediction and at least one reference are needed");
        }
    }
}
