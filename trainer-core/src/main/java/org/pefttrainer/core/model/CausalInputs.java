package org.pefttrainer.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * A decoder-only pass's token embeddings, attention mask [B, past + length] and position ids [B, length] after the
 * {@link InputEmbeddingHook}: every family calls {@link #prepare} between its token lookup and its first block.
 *
 * <p>On a sequence's first pass the hook may prepend soft-prompt rows, as PEFT's PeftModelForCausalLM does (prompt
 * first, then the tokens, the mask extended with the prompt's ones). PEFT then drops the position ids and the model
 * counts 0, 1, ... over prompt and tokens. Here positions are counted from the extended mask (cumsum - 1): the same
 * for an unpadded or right-padded row (training), and a left-padded row of a batch gets the positions it has alone,
 * where PEFT's batched generate would shift it by its padding. With a KV cache the prefix's mask is kept in the cache
 * and put in front of later masks, and later positions are moved past it, so the caller (the generator) never sees
 * the prefix.
 */
public record CausalInputs(NDArray embeddings, NDArray attentionMask, NDArray positions, int past, int length) {

    /**
     * @param embeddings the token embeddings [B, T, d]
     * @param attentionMask [B, past + T] over the caller's positions, or null (all real)
     * @param positionIds [B, T], or null for past .. past + T - 1
     */
    public static CausalInputs prepare(ForwardContext ctx, NDArray embeddings, NDArray attentionMask,
                                       NDArray positionIds, DecoderCache cache) {
        NDManager m = ctx.manager();
        int batch = (int) embeddings.getShape().get(0);
        int len = (int) embeddings.getShape().get(1);
        int past = cache == null ? 0 : cache.length();
        InputEmbeddingHook hook = ctx.inputEmbeddingHook();
        if (hook != null && past == 0) {
            NDArray mask = attentionMask != null ? attentionMask : m.ones(new Shape(batch, len), DataType.INT64);
            NDArray[] out = hook.apply(embeddings, mask, ctx);
            int total = (int) out[0].getShape().get(1);
            if (total > len) {
                long[] full = out[1].toType(DataType.INT64, false).toLongArray();
                int prefix = total - len;
                long[] pos = new long[batch * total];
                long[] prefixMask = new long[batch * prefix];
                for (int b = 0; b < batch; b++) {
                    long p = -1;
                    for (int j = 0; j < total; j++) {
                        long a = full[b * total + j];
                        p += a;
                        pos[b * total + j] = a == 0 ? 1 : p;
                        if (j < prefix) {
                            prefixMask[b * prefix + j] = a;
                        }
                    }
                }
                if (cache != null) {
                    cache.setPrefix(prefix, prefixMask);
                }
                return new CausalInputs(out[0], out[1], m.create(pos, new Shape(batch, total)), 0, total);
            }
        }
        if (cache != null && cache.prefixLength() > 0) {
            int prefix = cache.prefixLength();
            long[] prefixMask = cache.prefixMask();
            NDArray own = attentionMask != null ? attentionMask.toType(DataType.INT64, false)
                    : m.ones(new Shape(batch, past - prefix + len), DataType.INT64);
            NDArray mask = m.create(prefixMask, new Shape(batch, prefix)).concat(own, 1);
            NDArray positions;
            if (positionIds == null) {
                positions = CausalMask.positions(m, batch, past, len);
            } else {
                long[] shift = new long[batch];
                for (int b = 0; b < batch; b++) {
                    for (int j = 0; j < prefix; j++) {
                        shift[b] += prefixMask[b * prefix + j];
                    }
                }
                positions = positionIds.add(m.create(shift, new Shape(batch, 1)));
            }
            return new CausalInputs(embeddings, mask, positions, past, len);
        }
        return new CausalInputs(embeddings, attentionMask,
                positionIds != null ? positionIds : CausalMask.positions(m, batch, past, len), past, len);
    }
}
