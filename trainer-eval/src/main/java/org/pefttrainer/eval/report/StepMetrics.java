package org.pefttrainer.eval.report;

/**
 * One "step" line of metrics.jsonl. Every number is null when the line lacks it (NaN when it says NaN).
 *
 * @param loss     mean loss over the logging window
 * @param stepLoss the loss of the logged step alone
 */
public record StepMetrics(long step, Long epoch, Double loss, Double stepLoss, Double lr, Double gradNorm,
        Double tokensPerSecond) {}
