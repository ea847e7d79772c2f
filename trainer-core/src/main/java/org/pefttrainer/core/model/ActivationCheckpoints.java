package org.pefttrainer.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.pefttrainer.core.tensor.DropoutMasks;
import org.pefttrainer.core.tensor.GradMode;

/**
 * Activation (gradient) checkpointing of one training forward and its backward, on DJL's autograd, which has no
 * checkpoint primitive and no custom autograd functions. The forward runs every transformer block with recording
 * off and keeps only the block's inputs; the block output becomes a leaf that requires a gradient, so what follows
 * the blocks (final norm, LM head, loss) records as usual. {@link #backward} then walks the blocks in reverse: the
 * gradient that reached a block's output (from the head, or from the recompute of the block after it) is pushed
 * through a recompute of the block from detached copies of its inputs (dropout masks replayed from the same
 * position of the same generator), which deposits the adapters' (or weights') gradients and yields the gradients of
 * the block's inputs. Inputs that came out of recorded code (the embeddings and soft prompt in front of the first
 * block, the encoder output T5's decoder blocks read) are back-propagated through their recorded graph once every
 * block that read them is done.
 *
 * <p>Peak memory: the blocks' inputs (one hidden state per block) plus one block's activations, instead of every
 * block's activations. The result equals the plain backward up to summation order (each gradient is a sum of the
 * same terms). One instance serves one forward and one backward.
 */
public final class ActivationCheckpoints {
    private record Segment(ForwardContext ctx, BlockScope.Block block, NDArray hidden, NDArray[] side,
                           long dropoutPosition, NDArray output) {}

    private final List<Segment> segments = new ArrayList<>();
    /** Block outputs: leaves whose gradient starts their block's recompute. */
    private final Map<NDArray, Integer> outputs = new IdentityHashMap<>();
    /**
     * Inputs made by recorded code (before the first block, between the stacks) → the first block that reads them.
     * DJL cannot tell whether a non-leaf array has a graph behind it (its requiresGrad answers for leaves only), so
     * every such floating-point input is treated as one: its recompute copy requires a gradient, and that gradient
     * is pushed back into its graph, if any.
     */
    private final Map<NDArray, Integer> firstReader = new IdentityHashMap<>();
    private boolean finished;

    NDArray run(ForwardContext ctx, NDArray hidden, NDArray[] side, BlockScope.Block block) {
        if (finished) {
            throw new IllegalStateException("these checkpoints were already back-propagated");
        }
        int index = segments.size();
        for (NDArray in : inputsOf(hidden, side)) {
            if (!outputs.containsKey(in) && in.getDataType().isFloating()) {
                firstReader.putIfAbsent(in, index);
            }
        }
        DropoutMasks masks = ctx.dropoutMasks();
        long position = masks == null ? 0 : masks.position();
        NDManager outer = ctx.manager();
        NDArray out;
        try (GradMode.Scope off = GradMode.off(); NDManager scope = outer.newSubManager()) {
            hidden.tempAttach(scope);
            for (NDArray in : side) {
                in.tempAttach(scope);
            }
            out = block.apply(ctx.withManager(scope).withActivationCheckpoints(null), hidden, side);
            out.attach(outer);
        }
        out.setRequiresGradient(true);
        outputs.put(out, index);
        segments.add(new Segment(ctx.withActivationCheckpoints(null), block, hidden, side, position, out));
        return out;
    }

    /** Back-propagates the scalar {@code loss} through what follows the blocks, every block, and what precedes them. */
    public void backward(NDArray loss) {
        finished = true;
        try (NDArray ones = loss.onesLike()) {
            JniUtils.backward((PtNDArray) loss, (PtNDArray) ones, false, false);
        }
        Map<NDArray, NDArray> pending = new IdentityHashMap<>();
        for (int j = segments.size() - 1; j >= 0; j--) {
            Segment s = segments.get(j);
            NDArray grad = gradientOf(s.output(), pending);
            if (grad != null) {
                recompute(s, grad, pending);
                grad.close();
            }
            s.output().close(); // its saved value and gradient are not needed any more
            flushRecordedInputs(j, pending);
        }
        pending.values().forEach(NDArray::close);
    }

    private void recompute(Segment s, NDArray gradOut, Map<NDArray, NDArray> pending) {
        NDManager outer = s.ctx().manager();
        try (NDManager scope = outer.newSubManager()) {
            NDArray hidden = leafCopy(s.hidden(), scope);
            NDArray[] side = new NDArray[s.side().length];
            for (int i = 0; i < side.length; i++) {
                side[i] = leafCopy(s.side()[i], scope);
            }
            ForwardContext ctx = s.ctx().withManager(scope);
            if (ctx.dropoutMasks() != null) {
                ctx = ctx.withDropoutMasks(ctx.dropoutMasks().replayFrom(s.dropoutPosition()));
            }
            NDArray out = s.block().apply(ctx, hidden, side);
            JniUtils.backward((PtNDArray) out, (PtNDArray) gradOut, false, false);
            accumulate(s.hidden(), hidden, outer, pending);
            for (int i = 0; i < side.length; i++) {
                accumulate(s.side()[i], side[i], outer, pending);
            }
        }
    }

    /** A detached alias of {@code x} in {@code scope}, itself requiring a gradient when {@code x} needs one. */
    private NDArray leafCopy(NDArray x, NDManager scope) {
        NDArray copy = x.stopGradient();
        copy.attach(scope);
        if (needsGradient(x)) {
            copy.setRequiresGradient(true);
        }
        return copy;
    }

    private boolean needsGradient(NDArray x) {
        return outputs.containsKey(x) || firstReader.containsKey(x);
    }

    private void accumulate(NDArray original, NDArray copy, NDManager owner, Map<NDArray, NDArray> pending) {
        if (!needsGradient(original)) {
            return;
        }
        NDArray g = JniUtils.getGradient((PtNDArray) copy);
        if (g == null) {
            return;
        }
        g.attach(owner);
        NDArray before = pending.put(original, g);
        if (before != null) {
            pending.put(original, before.addi(g));
            g.close();
        }
    }

    /** What reached {@code output}: gradients from later blocks' recomputes plus autograd's (from recorded code). */
    private static NDArray gradientOf(NDArray output, Map<NDArray, NDArray> pending) {
        NDArray fromBlocks = pending.remove(output);
        NDArray recorded = JniUtils.getGradient((PtNDArray) output);
        if (recorded == null) {
            return fromBlocks;
        }
        if (fromBlocks == null) {
            return recorded;
        }
        fromBlocks.addi(recorded);
        recorded.close();
        return fromBlocks;
    }

    /**
     * Back-propagates the gradients of the recorded inputs whose first reader is block {@code j} (every reader has
     * been recomputed) through their graphs, in one backward of {@code anchor + Σ sum(x ⊙ grad x)}: its gradient
     * with respect to each x is exactly grad x. The zero anchor, a leaf that requires a gradient, lets the backward
     * run when no x has a graph (a frozen embedding under LoRA), where it deposits nothing.
     */
    private void flushRecordedInputs(int j, Map<NDArray, NDArray> pending) {
        NDArray total = null;
        List<NDArray> used = new ArrayList<>();
        for (Map.Entry<NDArray, Integer> e : firstReader.entrySet()) {
            NDArray g = e.getValue() == j ? pending.remove(e.getKey()) : null;
            if (g != null) {
                NDArray term = e.getKey().mul(g).sum();
                total = total == null ? term : total.add(term);
                used.add(g);
            }
        }
        if (total != null) {
            try (NDArray anchor = total.zerosLike()) {
                anchor.setRequiresGradient(true);
                NDArray root = total.add(anchor);
                try (NDArray one = root.onesLike()) {
                    JniUtils.backward((PtNDArray) root, (PtNDArray) one, false, false);
                }
            }
        }
        used.forEach(NDArray::close);
    }

    private static List<NDArray> inputsOf(NDArray hidden, NDArray[] side) {
        List<NDArray> all = new ArrayList<>(side.length + 1);
        all.add(hidden);
        all.addAll(List.of(side));
        return all;
    }
}
