package org.pefttrainer.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Where every family runs its transformer blocks. A block runs in a child NDManager so that its intermediates
 * (scores, probabilities, activations: the bulk of the memory) are freed as soon as the block ends instead of at the
 * end of the step; autograd keeps its own references to what backward needs. Only the block output (and the layer's
 * new cache entries) survive, and the block's input hidden state is released.
 *
 * <p>With activation checkpointing on (the context carries {@link ActivationCheckpoints}), the block runs without
 * recording anything for backward and is recomputed during the backward pass instead.
 */
public final class BlockScope {
    private BlockScope() {}

    /**
     * One transformer block. {@code hidden} is the residual stream coming in; {@code side} holds every other array
     * the block reads that may carry a gradient (T5's position bias, the encoder output a decoder block attends to):
     * a checkpointed block is recomputed from exactly these, so the block must read them from its arguments, not
     * from variables around it. Masks and rotary tables, which need no gradient, may be captured.
     */
    @FunctionalInterface
    public interface Block {
        NDArray apply(ForwardContext ctx, NDArray hidden, NDArray[] side);
    }

    public static NDArray run(ForwardContext ctx, DecoderCache cache, int layer, NDArray hidden, NDArray[] side,
                              Block block) {
        ActivationCheckpoints checkpoints = ctx.activationCheckpoints();
        if (checkpoints != null && ctx.training() && cache == null) {
            return checkpoints.run(ctx, hidden, side, block);
        }
        NDManager outer = ctx.manager();
        NDArray out;
        try (NDManager scope = outer.newSubManager()) {
            hidden.tempAttach(scope); // results of ops on the inputs land in the scope
            for (NDArray in : side) {
                in.tempAttach(scope);
            }
            out = block.apply(ctx.withManager(scope), hidden, side);
            out.attach(outer);
            if (cache != null) {
                for (NDArray a : new NDArray[] {cache.selfKey(layer), cache.selfValue(layer), cache.crossKey(layer),
                        cache.crossValue(layer)}) {
                    if (a != null && a.getManager() == scope) {
                        a.attach(outer);
                    }
                }
            }
        }
        hidden.close(); // autograd holds what backward needs; the Java handle is not needed any more
        return out;
    }
}
