package org.pefttrainer.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/** The attention bias of decoder-only models. */
public final class CausalMask {
    private CausalMask() {}

    /**
     * Additive [B, 1, T, Tk] bias: 0 where query i (at position past+i) may see key j (j &lt;= past+i, and the
     * [B, Tk] mask has 1 there), the float32 minimum elsewhere, as transformers' causal plus padding masks. Where
     * both apply, min + min overflows to -inf, as in transformers; every query keeps a finite entry.
     */
    public static NDArray additive(NDManager m, NDArray attentionMask, long batch, int len, int keys, int past) {
        float[] causal = new float[len * keys];
        for (int i = 0; i < len; i++) {
            for (int j = 0; j < keys; j++) {
                causal[i * keys + j] = j <= past + i ? 0f : -Float.MAX_VALUE;
            }
        }
        NDArray c = m.create(causal, new Shape(1, 1, len, keys));
        if (attentionMask == null) {
            return c;
        }
        return c.add(attentionMask.toType(DataType.FLOAT32, false).neg().add(1f).mul(-Float.MAX_VALUE)
                .reshape(batch, 1, 1, keys));
    }

    /** Position ids past .. past+len-1 for every row: what a forward pass without explicit positions uses. */
    public static NDArray positions(NDManager m, long batch, int past, int len) {
        return m.arange(past, past + len).toType(DataType.INT64, false).expandDims(0).repeat(0, batch);
    }
}
