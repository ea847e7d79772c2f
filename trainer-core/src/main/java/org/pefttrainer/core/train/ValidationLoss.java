package org.pefttrainer.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;
import org.pefttrainer.core.data.batch.Batch;
import org.pefttrainer.core.data.batch.Collator;
import org.pefttrainer.core.data.batch.TokenizedExample;
import org.pefttrainer.core.model.BatchAdapters;
import org.pefttrainer.core.model.ForwardContext;
import org.pefttrainer.core.model.ModelHooks;
import org.pefttrainer.core.model.LanguageModel;
import org.pefttrainer.core.task.TaskForward;
import org.pefttrainer.core.tensor.Ops;

/**
 * The loss on held-out examples, in eval mode (no dropout), label tokens only: per example its summed token NLL and
 * its label-token count, so that the split's loss is sum(NLL) / sum(tokens) (each token weighs the same, however
 * the examples are batched or padded) and the perplexity is exp of it. Per-example sums also let the bootstrap
 * resample examples.
 */
public final class ValidationLoss {
    /** Per example, in input order. */
    public record Result(double[] nllSums, double[] tokens) {
        public double loss() {
            double a = 0;
            double b = 0;
            for (int i = 0; i < nllSums.length; i++) {
                a += nllSums[i];
                b += tokens[i];
            }
            return a / b;
        }

        public double perplexity() {
            return Math.exp(loss());
        }
    }

    private ValidationLoss() {}

    /**
     * The loss of every example, {@code batchSize} consecutive examples at a time, each batch with the adapters its
     * rows name ({@code rowAdapters.get(i)} for example i; null: the run's).
     */
    public static Result compute(LanguageModel model, List<TokenizedExample> examples, List<String> rowAdapters,
                                 Collator collator, int batchSize, NDManager parent, BatchAdapters adapters) {
        int n = examples.size();
        double[] nll = new double[n];
        double[] tokens = new double[n];
        for (int[] idx : batches(n, batchSize)) {
            List<String> names = new java.util.ArrayList<>(idx.length);
            for (int i : idx) {
                names.add(rowAdapters.get(i));
            }
            Result r;
            try (BatchAdapters.Hooks hooks = adapters.open(names)) {
                r = batch(model, examples, collator, idx, parent, hooks);
            }
            for (int k = 0; k < idx.length; k++) {
                nll[idx[k]] = r.nllSums()[k];
                tokens[idx[k]] = r.tokens()[k];
            }
        }
        return new Result(nll, tokens);
    }

    /** The batches {@link #compute} runs: consecutive examples, {@code batchSize} at a time. */
    public static List<int[]> batches(int n, int batchSize) {
        List<int[]> out = new java.util.ArrayList<>();
        for (int start = 0; start < n; start += batchSize) {
            int[] idx = new int[Math.min(n, start + batchSize) - start];
            for (int k = 0; k < idx.length; k++) {
                idx[k] = start + k;
            }
            out.add(idx);
        }
        return out;
    }

    /** One batch of examples {@code idx}: their values in the order of {@code idx}. */
    public static Result batch(LanguageModel model, List<TokenizedExample> examples, Collator collator, int[] idx,
            NDManager parent, ModelHooks hooks) {
        double[] nll = new double[idx.length];
        double[] tokens = new double[idx.length];
        Batch b = collator.collate(examples, idx);
        try (NDManager m = parent.newSubManager()) {
            ForwardContext ctx = hooks.attach(new ForwardContext(m, false, null, null));
            NDArray ids = m.create(b.inputIds(), new ai.djl.ndarray.types.Shape(b.sourceShape()));
            NDArray mask = m.create(b.attentionMask(), new ai.djl.ndarray.types.Shape(b.sourceShape()));
            NDArray dec = b.decoderInputIds() == null ? null
                    : m.create(b.decoderInputIds(), new ai.djl.ndarray.types.Shape(b.targetShape()));
            NDArray labels = m.create(b.labels(), new ai.djl.ndarray.types.Shape(b.targetShape()));
            float[] sums = Ops.tokenNllSums(TaskForward.logits(model, ctx, ids, mask, dec), labels).toFloatArray();
            java.util.Map<Integer, Integer> position = new java.util.HashMap<>();
            for (int k = 0; k < idx.length; k++) {
                position.put(idx[k], k);
            }
            for (int r = 0; r < b.size(); r++) {
                int k = position.get(b.indices()[r]);
                nll[k] = sums[r];
                int count = 0;
                for (int t = 0; t < b.targetLength(); t++) {
                    count += b.labels()[r * b.targetLength() + t] >= 0 ? 1 : 0;
                }
                tokens[k] = count;
            }
        }
        return new Result(nll, tokens);
    }
}
