package org.pefttrainer.core.task;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.pefttrainer.core.model.CausalLM;
import org.pefttrainer.core.model.ForwardContext;
import org.pefttrainer.core.model.LanguageModel;
import org.pefttrainer.core.model.Seq2SeqLM;
import org.pefttrainer.core.tensor.Ops;

/**
 * The two task types' teacher-forced pass: seq2seq (encoder ids and mask, decoder inputs) and causal (one sequence,
 * right-padded, positions 0..T-1). The trainer and the validation loss see only this, never a model family.
 */
public final class TaskForward {
    private TaskForward() {}

    /** Logits [B, T, V] aligned with the batch's labels. */
    public static NDArray logits(LanguageModel model, ForwardContext ctx, NDArray inputIds, NDArray attentionMask,
                                 NDArray decoderInputIds) {
        if (model instanceof Seq2SeqLM s) {
            return s.forward(ctx, inputIds, attentionMask, decoderInputIds);
        }
        if (model instanceof CausalLM c) {
            NDArray logits = c.forward(ctx, inputIds, attentionMask, null, null);
            // Soft prompts put their rows in front: the logit at the last virtual token predicts the first token,
            // which is prompt (label -100, as PEFT pads the labels), so the last T positions carry the whole loss.
            long t = inputIds.getShape().get(1);
            long total = logits.getShape().get(1);
            return total == t ? logits : logits.get(":, " + (total - t) + ":, :");
        }
        throw new IllegalArgumentException("no task for " + model.architecture());
    }

    /**
     * The mean cross-entropy over the labelled positions (labels &gt;= 0), equal to {@link Ops#crossEntropy} of
     * {@link #logits}. A decoder-only model projects only the labelled positions to the vocabulary: training masks
     * the prompt, so most of a sequence never needs its [V] logits (SAMSum: 3/4 of the tokens; the [B, T, V]
     * logits and their log-softmax are the largest tensors of a step).
     */
    public static NDArray loss(LanguageModel model, ForwardContext ctx, NDArray inputIds, NDArray attentionMask,
                               NDArray decoderInputIds, NDArray labels) {
        if (model instanceof CausalLM c) {
            NDArray hidden = c.hiddenStates(ctx, inputIds, attentionMask, null, null);
            long[] lab = labels.toLongArray();
            int rows = (int) labels.getShape().get(0);
            int t = (int) labels.getShape().get(1);
            int total = (int) hidden.getShape().get(1); // soft prompts come first: the last t positions carry labels
            long d = hidden.getShape().get(2);
            int k = 0;
            for (long l : lab) {
                k += l >= 0 ? 1 : 0;
            }
            if (k > 0) {
                long[] index = new long[k];
                long[] picked = new long[k];
                int i = 0;
                for (int r = 0; r < rows; r++) {
                    for (int j = 0; j < t; j++) {
                        if (lab[r * t + j] >= 0) {
                            index[i] = (long) r * total + total - t + j;
                            picked[i++] = lab[r * t + j];
                        }
                    }
                }
                NDManager m = ctx.manager();
                NDArray states = hidden.reshape(rows * (long) total, d).get(m.create(index));
                return Ops.crossEntropy(c.logits(ctx, states), m.create(picked));
            }
            return Ops.crossEntropy(c.logits(ctx, hidden.get(":, " + (total - t) + ":, :")), labels);
        }
        return Ops.crossEntropy(logits(model, ctx, inputIds, attentionMask, decoderInputIds), labels);
    }

}
