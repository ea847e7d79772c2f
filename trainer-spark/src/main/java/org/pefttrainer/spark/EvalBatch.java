package org.pefttrainer.spark;

import java.io.Serializable;
import java.util.List;
import org.pefttrainer.core.data.batch.TokenizedExample;

/**
 * One batch of a distributed evaluation, as the local run would form it: prompt ids to generate from, or tokenized
 * examples whose reference loss to compute, and the adapter each row names (null: the run's). {@code index} is the
 * batch's place in the local run's order.
 */
record EvalBatch(int index, long[][] prompts, List<TokenizedExample> lossExamples, List<String> rowAdapters)
        implements Serializable {

    /**
     * Generated text (one per prompt) or per-example loss sums and label tokens, for batch {@code index};
     * {@code loadSeconds}: the base-model load this batch waited for on its executor (0 once it is loaded).
     */
    record Out(int index, String[] predictions, long generatedTokens, double[] nllSums, double[] tokens,
            double loadSeconds) implements Serializable {}
}
