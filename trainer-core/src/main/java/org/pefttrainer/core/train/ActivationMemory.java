package org.pefttrainer.core.train;

import org.pefttrainer.core.model.LanguageModel;

/**
 * A lower bound of the memory one training step needs for a batch, known before the first step: the attention
 * probabilities every layer keeps for the backward pass (batch × heads × length² floats), plus one more such
 * matrix being computed. Everything else (weights, hidden states, MLP activations, logits) comes on top, so a batch
 * whose bound alone exceeds the machine's free memory cannot run: better refused at start than killed by the kernel.
 */
public final class ActivationMemory {
    private ActivationMemory() {}

    /**
     * @param selfLength the longest sequence attending to itself (decoder-only: prompt + target; T5: the source)
     * @param checkpointing with activation checkpointing only the block being recomputed keeps its probabilities
     */
    public static long attentionBytesLowerBound(LanguageModel model, int batch, long selfLength,
                                                boolean checkpointing) {
        long layers = checkpointing ? 1 : Math.max(1, model.numHiddenLayers());
        return (layers + 1) * batch * (long) model.numAttentionHeads() * selfLength * selfLength * Float.BYTES;
    }
}
