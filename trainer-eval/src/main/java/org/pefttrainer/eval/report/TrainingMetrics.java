package org.pefttrainer.eval.report;

import java.util.List;

/**
 * What metrics.jsonl holds.
 *
 * @param state      whether the file was there and had lines
 * @param unreadable non-blank lines that were not JSON objects (e.g. a line cut off by a crash)
 */
public record TrainingMetrics(State state, List<StepMetrics> steps, List<EpochMetrics> epochs, int unreadable) {

    public enum State { MISSING, EMPTY, PRESENT }

    public TrainingMetrics {
        steps = List.copyOf(steps);
        epochs = List.copyOf(epochs);
    }

    public List<EpochMetrics> evaluatedEpochs() {
        return epochs.stream().filter(EpochMetrics::evaluated).toList();
    }
}
