package org.pefttrainer.peft.registry;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.pefttrainer.core.model.InputEmbeddingHook;
import org.pefttrainer.core.model.ForwardContext;
import org.pefttrainer.core.tensor.Ops;
import org.pefttrainer.peft.prompt.SoftPrompt;

/**
 * Prompt tuning for a batch whose rows use different soft prompts (or none). Every row's encoder input becomes
 * {@code [masked padding, its prompt rows 0..n_b-1, its tokens]}, the padding filling each row up to the batch's
 * longest prompt N: a row with prompt length n_b gets N - n_b masked positions, a row without a prompt N.
 *
 * <p>The padding goes before the prompt, not between prompt and text: T5 has no absolute positions, only a bias
 * on relative distances, and masked positions receive no attention, so with the padding in front every distance
 * between two unmasked positions is what it is when the row runs alone with its own prompt (padding between prompt
 * and text would lengthen the prompt-to-text distances and change the bias). The decoder is untouched, as in PEFT.
 */
final class MixedPromptHook implements InputEmbeddingHook {
    /** Input row → its soft prompt, or null. */
    private final SoftPrompt[] rowPrompts;
    private final int longest;

    MixedPromptHook(SoftPrompt[] rowPrompts) {
        this.rowPrompts = rowPrompts.clone();
        int n = 0;
        for (SoftPrompt p : rowPrompts) {
            n = Math.max(n, p == null ? 0 : p.numVirtualTokens());
        }
        this.longest = n;
    }

    @Override
    public NDArray[] apply(NDArray embeddings, NDArray attentionMask, ForwardContext ctx) {
        NDManager m = embeddings.getManager();
        int rows = (int) embeddings.getShape().get(0);
        int repeat = ctx.rowRepeat();
        if (rows != rowPrompts.length * repeat) {
            throw new IllegalStateException(rows + " encoder rows, expected " + rowPrompts.length + " input rows × "
                    + repeat);
        }
        if (longest == 0) {
            return new NDArray[] {embeddings, attentionMask};
        }
        long dim = embeddings.getShape().get(2);
        List<NDArray> prefixes = new ArrayList<>(rows);
        long[] prefixMask = new long[rows * longest];
        for (int r = 0; r < rows; r++) {
            SoftPrompt p = rowPrompts[r / repeat];
            int n = p == null ? 0 : p.numVirtualTokens();
            NDArray prefix = m.zeros(new Shape(longest - n, dim), DataType.FLOAT32);
            if (n > 0) {
                long[] ids = new long[n];
                for (int i = 0; i < n; i++) {
                    ids[i] = i;
                }
                // Looked up through an index array of the step's manager, so the rows land in that manager.
                prefix = prefix.concat(Ops.embedding(m.create(ids), p.table()), 0);
            }
            prefixes.add(prefix);
            for (int i = longest - n; i < longest; i++) {
                prefixMask[r * longest + i] = 1;
            }
        }
        NDArray prefix = ai.djl.ndarray.NDArrays.stack(new NDList(prefixes));
        NDArray h = prefix.concat(embeddings, 1);
        NDArray mask;
        if (attentionMask == null) {
            mask = m.create(prefixMask, new Shape(rows, longest))
                    .concat(m.ones(new Shape(rows, embeddings.getShape().get(1)), DataType.INT64), 1);
        } else {
            mask = m.create(prefixMask, new Shape(rows, longest)).toType(attentionMask.getDataType(), false)
                    .concat(attentionMask, 1);
        }
        return new NDArray[] {h, mask};
    }
}
