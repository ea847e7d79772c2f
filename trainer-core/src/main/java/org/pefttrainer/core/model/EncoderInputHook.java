package org.pefttrainer.core.model;

import ai.djl.ndarray.NDArray;

/**
 * Rewrites the encoder's input embeddings and attention mask before the first layer: where prompt tuning prepends
 * its virtual-token rows (and extends the mask with ones).
 */
@FunctionalInterface
public interface EncoderInputHook {
    /** Returns {embeddings [B, S', d], mask [B, S']}. */
    NDArray[] apply(NDArray embeddings, NDArray attentionMask, ForwardContext ctx);
}
