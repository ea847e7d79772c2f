package org.pefttrainer.core.train;

import java.util.Map;

/** Runs after each training epoch (evaluation plugs in here); returns metrics to log, e.g. {"rougeLsum": 0.31}. */
@FunctionalInterface
public interface EpochEndListener {
    Map<String, Double> onEpochEnd(int epoch, int globalStep, Trainable trainable);

    /** Runs once the epoch's line (with every listener's metrics) is in metrics.jsonl, e.g. to redraw a report. */
    default void afterEpochLogged(int epoch) {}
}
