package org.pefttrainer.peft.lora;

import org.pefttrainer.peft.lora.LoraWeights;

/**
 * The weight update of one LoRA module, {@code ΔW = scaling · B·A}, and adding it to or removing it from a base weight,
 * in fp32 with PEFT 0.13.2's operation order (lora.Linear.get_delta_weight: {@code transpose(B @ A, fan_in_fan_out) *
 * scaling}; merge: {@code W += ΔW}; unmerge: {@code W -= ΔW}, see {@link #addTo}). The product B·A is accumulated in double and rounded
 * once to fp32 (torch's fp32 matmul rounds partial sums, so results may differ from PEFT's in the last bit); the
 * scaling is applied in fp32, as torch multiplies an fp32 tensor by a Python float.
 */
public final class LoraDelta {
    private LoraDelta() {}

    /**
     * ΔW row-major: [out, in], or [in, out] when {@code fanInFanOut} (base layers that store their weight transposed,
     * as GPT-2's Conv1D does).
     */
    public static float[] of(LoraWeights.Matrices m, double scaling, boolean fanInFanOut) {
        // Added to zeros: the same fp32 values as merging in place (0 + v == v).
        float[] delta = new float[m.out() * m.in()];
        addTo(delta, m, scaling, fanInFanOut, false);
        return delta;
    }

    /**
     * {@code weight += sign · scaling·B·A} in place, row by row, without materialising ΔW: the same fp32 values as
     * {@link #add}/{@link #subtract} with {@link #of}, for merging large tensors without a second copy.
     */
    public static void addTo(float[] weight, LoraWeights.Matrices m, double scaling, boolean fanInFanOut,
            boolean subtract) {
        int r = m.r();
        int in = m.in();
        int out = m.out();
        if (weight.length != out * in) {
            throw new IllegalArgumentException("weight has " + weight.length + " values, ΔW " + out * in);
        }
        float[] a = m.a();
        float[] b = m.b();
        float s = (float) scaling;
        double[] row = new double[in];
        for (int o = 0; o < out; o++) {
            java.util.Arrays.fill(row, 0.0);
            for (int k = 0; k < r; k++) {
                double bok = b[o * r + k];
                if (bok == 0) {
                    continue;
                }
                int base = k * in;
                for (int i = 0; i < in; i++) {
                    row[i] += bok * a[base + i];
                }
            }
            for (int i = 0; i < in; i++) {
                float v = (float) row[i] * s;
                int idx = fanInFanOut ? i * out + o : o * in + i;
                if (subtract) {
                    weight[idx] -= v;
                } else {
                    weight[idx] += v;
                }
            }
        }
    }

    /** The index of the first NaN or infinite value, or -1. */
    public static int firstNonFinite(float[] values) {
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                return i;
            }
        }
        return -1;
    }
}
