package org.pefttrainer.eval.evaluate;

import org.pefttrainer.core.data.Example;
import org.pefttrainer.eval.rouge.RougeScores;

/** One evaluated example: the model's summary and its ROUGE against the example's reference(s). */
public record Prediction(Example example, String prediction, RougeScores scores) {}
