package org.pefttrainer.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * AdamW with decoupled weight decay, the same update as torch.optim.AdamW (amsgrad off):
 * {@code p -= lr·wd·p; m = β1·m + (1-β1)·g; v = β2·v + (1-β2)·g²;
 * p -= lr/(1-β1^t) · m / (sqrt(v)/sqrt(1-β2^t) + eps)}.
 * State arrays are created lazily per parameter name in the optimizer's own manager; only the parameters handed in
 * get state, so frozen base weights cost nothing here.
 */
public final class AdamW implements AutoCloseable {
    private final NDManager manager;
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final Map<String, NDArray> exp = new LinkedHashMap<>();
    private final Map<String, NDArray> expSq = new LinkedHashMap<>();
    private int step;

    public AdamW(NDManager parent, double beta1, double beta2, double eps, double weightDecay) {
        this.manager = parent.newSubManager();
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
    }

    /** Number of updates applied so far (t in the formula after the next update is step()+1). */
    public int step() {
        return step;
    }

    /**
     * Applies one update to every parameter with its gradient scaled by {@code gradScale} (global-norm clipping).
     * Must run with autograd off (outside a GradientCollector).
     */
    public void update(Map<String, NDArray> params, double lr, double gradScale) {
        step++;
        double bc1 = 1 - Math.pow(beta1, step);
        double bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, step));
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            NDArray p = e.getValue();
            try (NDManager tmp = manager.newSubManager()) {
                // getGradient() returns a fresh wrapper owned by the parameter's manager: move it here to free it.
                NDArray g = p.getGradient();
                g.attach(tmp);
                if (gradScale != 1.0) {
                    g = g.mul(gradScale);
                }
                NDArray m = exp.computeIfAbsent(e.getKey(), k -> manager.zeros(p.getShape(), p.getDataType(), p.getDevice()));
                NDArray v = expSq.computeIfAbsent(e.getKey(), k -> manager.zeros(p.getShape(), p.getDataType(), p.getDevice()));
                if (weightDecay != 0) {
                    p.muli(1 - lr * weightDecay);
                }
                m.muli(beta1).addi(g.mul(1 - beta1));
                v.muli(beta2).addi(g.mul(g).muli(1 - beta2));
                NDArray denom = v.sqrt();
                denom.attach(tmp);
                denom.divi(bc2Sqrt).addi(eps);
                NDArray upd = m.div(denom);
                upd.attach(tmp);
                upd.muli(lr / bc1);
                p.subi(upd);
            }
        }
    }

    /** Optimizer state for checkpoints: "exp_avg.NAME" and "exp_avg_sq.NAME". */
    public Map<String, NDArray> state() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        exp.forEach((k, v) -> out.put("exp_avg." + k, v));
        expSq.forEach((k, v) -> out.put("exp_avg_sq." + k, v));
        return out;
    }

    public void restore(int step, Map<String, float[]> state, Map<String, NDArray> params) {
        this.step = step;
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            float[] m = state.get("exp_avg." + e.getKey());
            float[] v = state.get("exp_avg_sq." + e.getKey());
            if (m == null || v == null) {
                continue; // parameter never updated before the checkpoint
            }
            NDArray p = e.getValue();
            exp.put(e.getKey(), manager.create(m, p.getShape()));
            expSq.put(e.getKey(), manager.create(v, p.getShape()));
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
