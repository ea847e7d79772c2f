package org.pefttrainer.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.function.Function;

/**
 * Runs one transformer block in a child NDManager so that its intermediates (scores, probabilities, activations: the
 * bulk of the memory) are freed as soon as the block ends instead of at the end of the step; autograd keeps its own
 * references to what backward needs. Only the block output (and the layer's new cache entries) survive.
 */
public final class BlockScope {
    private BlockScope() {}

    public static NDArray run(ForwardContext ctx, DecoderCache cache, int layer, NDArray[] inputs,
                              Function<ForwardContext, NDArray> block) {
        NDManager outer = ctx.manager();
        try (NDManager scope = outer.newSubManager()) {
            for (NDArray in : inputs) {
                in.tempAttach(scope); // results of ops on the inputs land in the scope
            }
            NDArray out = block.apply(ctx.withManager(scope));
            out.attach(outer);
            if (cache != null) {
                for (NDArray a : new NDArray[] {cache.selfKey(layer), cache.selfValue(layer), cache.crossKey(layer),
                        cache.crossValue(layer)}) {
                    if (a != null && a.getManager() == scope) {
                        a.attach(outer);
                    }
                }
            }
            return out;
        }
    }
}
