package org.pefttrainer.core.model;

import ai.djl.ndarray.NDArray;

/**
 * The one place adapters enter the model. Every projection of the network is computed as
 * {@code y = x·Wᵀ + hook.delta(module, x, ctx)}, where {@code module} is the Hugging Face module path
 * (e.g. {@code encoder.block.3.layer.0.SelfAttention.q}); LoRA, adapter swapping, mixed-adapter batches and merging
 * all key on that name, the same one the checkpoint and PEFT's adapter files use. The input embedding goes through
 * it too ({@link ForwardContext#embedding}): there {@code x} is the token ids, as for PEFT's embedding LoRA.
 */
@FunctionalInterface
public interface LinearHook {
    /** What to add to the frozen output of {@code module} for its input {@code x}, or null for nothing. */
    NDArray delta(String module, NDArray x, ForwardContext ctx);
}
