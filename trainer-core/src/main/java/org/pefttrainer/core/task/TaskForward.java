package org.pefttrainer.core.task;

import ai.djl.ndarray.NDArray;
import org.pefttrainer.core.model.CausalLM;
import org.pefttrainer.core.model.ForwardContext;
import org.pefttrainer.core.model.LanguageModel;
import org.pefttrainer.core.model.Seq2SeqLM;

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
            return c.forward(ctx, inputIds, attentionMask, null, null);
        }
        throw new IllegalArgumentException("no task for " + model.architecture());
    }

    /** "seq2seq" or "causal". */
    public static String task(LanguageModel model) {
        return model instanceof CausalLM ? "causal" : "seq2seq";
    }
}
