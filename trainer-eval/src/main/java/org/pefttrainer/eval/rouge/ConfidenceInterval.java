package org.pefttrainer.eval.rouge;

/**
 * rouge_score's {@code AggregateScore}: bootstrap percentiles of the mean score. {@code mid} is the median of the
 * resampled means (what Hugging Face evaluate reports as "rouge1" etc.), close to but not the plain mean.
 */
public record ConfidenceInterval(Score low, Score mid, Score high) {}
