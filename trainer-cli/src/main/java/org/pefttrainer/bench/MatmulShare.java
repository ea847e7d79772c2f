package org.pefttrainer.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.pefttrainer.core.model.ModelLayout;

/**
 * Where a decoder-only training step's time goes: the same GEMMs the step runs, timed alone on random data. Per
 * linear module: the forward product and the input gradient (and, training every weight, the weight gradient); per
 * layer's attention: QKᵀ and PV forward and their four backward products; the head over the labelled positions.
 * The step's time minus this is everything else (softmax, norms, activations, RoPE, copies, optimizer).
 */
final class MatmulShare {
    private MatmulShare() {}

    /**
     * Seconds per step of the matmuls alone: {@code tokens} rows through every linear module of {@code layout}, attention
     * of {@code batch} × {@code seq} with {@code heads} heads of {@code headDim}, the head over {@code labelled} rows.
     */
    static double seconds(ModelLayout layout, int layers, int batch, int seq, int heads, int headDim, int labelled,
                          boolean full, NDManager parent) {
        List<long[]> gemms = new ArrayList<>(); // {m, k, n, count}
        long tokens = (long) batch * seq;
        for (String module : layout.linearModules()) {
            long[] oi = layout.outIn(module);
            long rows = module.equals("lm_head") ? labelled : tokens;
            gemms.add(new long[] {rows, oi[1], oi[0], 1});           // y = x·Wᵀ
            gemms.add(new long[] {rows, oi[0], oi[1], 1});           // dx = dy·W
            if (full) {
                gemms.add(new long[] {oi[0], rows, oi[1], 1});       // dW = dyᵀ·x
            }
        }
        if (!layout.linearModules().contains("lm_head")) { // a tied head is the embedding matrix
            long[] e = layout.shape(layout.parameterNames().stream().filter(n -> n.endsWith("wte.weight")
                    || n.endsWith("embed_tokens.weight")).findFirst().orElseThrow());
            gemms.add(new long[] {labelled, e[1], e[0], 1});
            gemms.add(new long[] {labelled, e[0], e[1], 1});
        }
        // every layer repeats the same few shapes: time each distinct one once
        java.util.Map<List<Long>, Integer> counts = new java.util.LinkedHashMap<>();
        for (long[] g : gemms) {
            counts.merge(List.of(g[0], g[1], g[2]), (int) g[3], Integer::sum);
        }
        double seconds = 0;
        try (NDManager m = parent.newSubManager()) {
            for (var e : counts.entrySet()) {
                List<Long> g = e.getKey();
                seconds += time(m, new Shape(g.get(0), g.get(1)), new Shape(g.get(1), g.get(2))) * e.getValue();
            }
            // attention: QKᵀ, PV, and backward dP = dO·Vᵀ, dV = Pᵀ·dO, dQ = dS·K, dK = dSᵀ·Q: 6 bmm of one size each
            double qk = time(m, new Shape((long) batch * heads, seq, headDim), new Shape((long) batch * heads, headDim,
                    seq));
            double pv = time(m, new Shape((long) batch * heads, seq, seq), new Shape((long) batch * heads, seq,
                    headDim));
            seconds += layers * 3 * (qk + pv);
        }
        return seconds;
    }

    /** Median of 3 runs of one product (after one warm-up). */
    private static double time(NDManager parent, Shape a, Shape b) {
        try (NDManager m = parent.newSubManager()) {
            NDArray x = m.randomNormal(a, DataType.FLOAT32);
            NDArray y = m.randomNormal(b, DataType.FLOAT32);
            x.matMul(y).close();
            double[] t = new double[3];
            for (int i = 0; i < 3; i++) {
                long t0 = System.nanoTime();
                x.matMul(y).close();
                t[i] = (System.nanoTime() - t0) / 1e9;
            }
            java.util.Arrays.sort(t);
            return t[1];
        }
    }
}
