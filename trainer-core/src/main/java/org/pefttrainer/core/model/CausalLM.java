package org.pefttrainer.core.model;

import ai.djl.ndarray.NDArray;
import java.util.List;

/**
 * A decoder-only language model (Llama, Qwen2, ...) with weights named as in transformers. Every projection goes
 * through the context's {@link LinearHook}, keyed by the Hugging Face module name, as in {@link Seq2SeqLM}.
 */
public interface CausalLM extends LanguageModel {
    String architecture();

    int vocabSize();

    int hiddenSize();

    int numLayers();

    @Override
    default TaskType taskType() {
        return TaskType.CAUSAL_LM;
    }

    @Override
    default int numHiddenLayers() {
        return numLayers();
    }

    int bosTokenId();

    int eosTokenId();

    /** Every id generation stops at (config.json may list several, as Llama 3 does); the first is eosTokenId. */
    default int[] eosTokenIds() {
        return new int[] {eosTokenId()};
    }

    /** The pad id, or -1 when config.json has none. */
    int padTokenId();

    Weights weights();

    List<String> linearModules();

    String inputEmbeddingName();

    /**
     * Logits [B, T, V] for {@code inputIds} [B, T]. {@code attentionMask} [B, Tk] (1 real, 0 padding) covers the
     * cached positions too; {@code positionIds} [B, T] (null: past .. past+T-1). With a cache the new keys and
     * values are appended to it.
     */
    default NDArray forward(ForwardContext ctx, NDArray inputIds, NDArray attentionMask, NDArray positionIds,
                            DecoderCache cache) {
        return logits(ctx, hiddenStates(ctx, inputIds, attentionMask, positionIds, cache));
    }

    /** The final hidden states [B, T, d] (after the last norm) of {@link #forward}'s arguments. */
    NDArray hiddenStates(ForwardContext ctx, NDArray inputIds, NDArray attentionMask, NDArray positionIds,
                         DecoderCache cache);

    /**
     * The output projection (lm_head, through the hook) of hidden states of any leading shape [..., d]: the loss
     * projects only the positions that have a label.
     */
    NDArray logits(ForwardContext ctx, NDArray hidden);

    default DecoderCache newCache() {
        return new DecoderCache(numLayers());
    }
}
