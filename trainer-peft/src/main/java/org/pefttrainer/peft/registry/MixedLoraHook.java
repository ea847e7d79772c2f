package org.pefttrainer.peft.registry;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.pefttrainer.core.model.ForwardContext;
import org.pefttrainer.core.model.LinearHook;
import org.pefttrainer.peft.lora.LoraLayer;
import org.pefttrainer.peft.lora.LoraModel;

/**
 * LoRA for a batch whose rows use different adapters (or none), in one batched matmul per module instead of one
 * sub-batch per adapter: {@code delta[b] = s[b] · (x[b]·A[b]ᵀ)·B[b]ᵀ}, where row b's A [R, in] and B [out, R] are its
 * adapter's matrices zero-padded to the batch's largest rank R for that module (zero columns of A and rows of B add
 * exact zeros), and rows whose adapter does not wrap the module (or that have none) get zero matrices and s = 0.
 *
 * <p>Per module, the row-gathered Aᵀ [rows, in, R] and Bᵀ [rows, R, out] are built on first use and kept in the
 * batch's manager for the rest of the generate call (the encoder's rows and the decoder's beam-expanded rows each get
 * their own copy: decoder row i belongs to input row i / {@link ForwardContext#rowRepeat()}).
 */
final class MixedLoraHook implements LinearHook {
    /** Input row → its LoRA adapter, or null. */
    private final LoraModel[] rowAdapters;
    private final NDManager batchManager;
    private final Map<String, Gathered> cache = new HashMap<>();

    private record Gathered(NDArray aT, NDArray bT, float[] scaling) {}

    MixedLoraHook(LoraModel[] rowAdapters, NDManager batchManager) {
        this.rowAdapters = rowAdapters.clone();
        this.batchManager = batchManager;
    }

    @Override
    public NDArray delta(String module, NDArray x, ForwardContext ctx) {
        if (ctx.training()) {
            throw new IllegalStateException("mixed-adapter batches are for inference (no LoRA dropout here)");
        }
        int rows = (int) x.getShape().get(0);
        int repeat = ctx.rowRepeat();
        if (rows != rowAdapters.length * repeat) {
            throw new IllegalStateException("module " + module + ": " + rows + " batch rows, expected "
                    + rowAdapters.length + " input rows × rowRepeat " + repeat);
        }
        NDArray other = nonPlain(module, x, ctx, repeat);
        Gathered g;
        synchronized (cache) {
            g = cache.computeIfAbsent(module + "#" + repeat, k -> gather(module, repeat));
        }
        if (g == null) {
            return other;
        }
        NDManager m = x.getManager();
        NDArray s = m.create(g.scaling(), new Shape(rows, 1, 1));
        // x comes first: the products belong to its (the step's) manager, not to the batch manager.
        NDArray h = x.matMul(g.aT());
        NDArray plain = h.matMul(g.bT()).mul(s);
        return other == null ? plain : plain.add(other);
    }

    /**
     * The summed updates of rows whose adapter wraps {@code module} with DoRA or embedding LoRA (which the batched
     * matmul cannot express): each such adapter's layer runs on the whole batch and its rows are kept by a 0/1 mask.
     * Null when no row has one.
     */
    private NDArray nonPlain(String module, NDArray x, ForwardContext ctx, int repeat) {
        NDArray sum = null;
        Map<LoraLayer, float[]> masks = new java.util.LinkedHashMap<>();
        int rows = rowAdapters.length * repeat;
        for (int r = 0; r < rows; r++) {
            LoraModel a = rowAdapters[r / repeat];
            LoraLayer l = a == null ? null : a.layer(module);
            if (l != null && !l.isPlain()) {
                masks.computeIfAbsent(l, k -> new float[rows])[r] = 1f;
            }
        }
        for (Map.Entry<LoraLayer, float[]> e : masks.entrySet()) {
            NDArray d = e.getKey().delta(x, ctx);
            long[] shape = new long[d.getShape().dimension()];
            java.util.Arrays.fill(shape, 1);
            shape[0] = rows;
            NDArray kept = d.mul(x.getManager().create(e.getValue(), new Shape(shape)));
            sum = sum == null ? kept : sum.add(kept);
        }
        return sum;
    }

    /** Row-gathered, rank-padded, transposed matrices of {@code module}; null when no row's adapter wraps it. */
    private Gathered gather(String module, int repeat) {
        int rank = 0;
        LoraLayer any = null;
        for (LoraModel a : rowAdapters) {
            LoraLayer l = a == null ? null : a.layer(module);
            if (l != null && l.isPlain()) {
                rank = Math.max(rank, l.r());
                any = l;
            }
        }
        if (any == null) {
            return null;
        }
        int in = any.inFeatures();
        int out = any.outFeatures();
        int r0 = rank;
        try (NDManager scratch = batchManager.newSubManager()) {
            // One padded copy per distinct adapter, referenced by every row that uses it.
            Map<LoraModel, NDArray[]> padded = new IdentityHashMap<>();
            NDArray zeroA = scratch.zeros(new Shape(in, r0), DataType.FLOAT32);
            NDArray zeroB = scratch.zeros(new Shape(r0, out), DataType.FLOAT32);
            List<NDArray> as = new ArrayList<>();
            List<NDArray> bs = new ArrayList<>();
            float[] scaling = new float[rowAdapters.length * repeat];
            for (int r = 0; r < scaling.length; r++) {
                LoraModel a = rowAdapters[r / repeat];
                LoraLayer l = a == null ? null : a.layer(module);
                if (l == null || !l.isPlain()) {
                    as.add(zeroA);
                    bs.add(zeroB);
                    continue;
                }
                NDArray[] p = padded.computeIfAbsent(a, k -> pad(l, r0, scratch));
                as.add(p[0]);
                bs.add(p[1]);
                scaling[r] = (float) l.scaling();
            }
            NDArray aT = stack(as, scratch);
            NDArray bT = stack(bs, scratch);
            aT.attach(batchManager);
            bT.attach(batchManager);
            return new Gathered(aT, bT, scaling);
        }
    }

    /** {Aᵀ [in, R], Bᵀ [R, out]} of one layer, zero-padded from its rank to R, in {@code m}. */
    private static NDArray[] pad(LoraLayer l, int rank, NDManager m) {
        NDArray aT = l.loraA().duplicate();
        aT.attach(m);
        aT = aT.transpose();
        NDArray bT = l.loraB().duplicate();
        bT.attach(m);
        bT = bT.transpose();
        int extra = rank - l.r();
        if (extra > 0) {
            aT = aT.concat(m.zeros(new Shape(l.inFeatures(), extra), DataType.FLOAT32), 1);
            bT = bT.concat(m.zeros(new Shape(extra, l.outFeatures()), DataType.FLOAT32), 0);
        }
        return new NDArray[] {aT, bT};
    }

    /** The arrays stacked along a new first axis, the result in {@code m}. */
    private static NDArray stack(List<NDArray> arrays, NDManager m) {
        NDArray out = NDArrays.stack(new NDList(arrays));
        out.attach(m);
        return out;
    }
}
