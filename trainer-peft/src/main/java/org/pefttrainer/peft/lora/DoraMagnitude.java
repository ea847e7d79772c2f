package org.pefttrainer.peft.lora;


/**
 * DoRA's per-output-row norm ‖W + s·B·A‖ on plain arrays: the magnitude vector's starting value (PEFT's
 * DoraLinearLayer.update_layer) and the factor m / ‖W + ΔW‖ of merging (lora.Linear.merge). W is [out, in], or
 * [in, out] when {@code transposed} (Conv1D); the norm is over each output's weights either way.
 */
public final class DoraMagnitude {
    private DoraMagnitude() {}

    /** ‖W + s·B·A‖ per output row, [out]. */
    public static float[] initial(float[] weight, boolean transposed, LoraWeights.Matrices m, double scaling) {
        float[] sum = weight.clone();
        LoraDelta.addTo(sum, m, scaling, transposed, false);
        return rowNorms(sum, m.out(), m.in(), transposed);
    }

    /** The Euclidean norm of each output's weights of {@code w} [out, in] (or [in, out] when transposed). */
    public static float[] rowNorms(float[] w, int out, int in, boolean transposed) {
        double[] acc = new double[out];
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                double v = w[transposed ? i * out + o : o * in + i];
                acc[o] += v * v;
            }
        }
        float[] norms = new float[out];
        for (int o = 0; o < out; o++) {
            norms[o] = (float) Math.sqrt(acc[o]);
        }
        return norms;
    }
}
