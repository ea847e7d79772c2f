package org.pefttrainer.core.model;

import ai.djl.ndarray.NDArray;

/**
 * Rewrites a model's input embeddings and attention mask before the first layer: where prompt tuning prepends its
 * virtual-token rows (and extends the mask with ones). An encoder-decoder applies it to the encoder's input; a
 * decoder-only model to its input on the first pass of a sequence (with a KV cache the prefix stays in the cache).
 */
@FunctionalInterface
public interface InputEmbeddingHook {
    /** Returns {embeddings [B, S', d], mask [B, S']}: S' - S rows prepended. */
    NDArray[] apply(NDArray embeddings, NDArray attentionMask, ForwardContext ctx);
}
