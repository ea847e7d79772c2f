package org.pefttrainer.spark;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import org.pefttrainer.core.tensor.NdArrays;
import org.pefttrainer.core.train.Trainable;

/**
 * A trainable part's values as they cross between the driver and the workers: one float array per parameter, in
 * the trainable's parameter order (the same on every JVM, since every copy is built from the same config).
 */
final class TrainableValues {
    private TrainableValues() {}

    /** The driver's current values. */
    static float[][] of(Trainable trainable) {
        float[][] out = new float[trainable.parameters().size()][];
        int i = 0;
        for (NDArray p : trainable.parameters().values()) {
            out[i++] = p.toFloatArray();
        }
        return out;
    }

    /** Sets a worker's copy to {@code values}, its gradients cleared for the next pass. */
    static void set(Trainable trainable, float[][] values) {
        int i = 0;
        for (NDArray p : trainable.parameters().values()) {
            NdArrays.overwrite(p, values[i++]);
            JniUtils.zeroGrad((PtNDArray) p);
        }
    }
}
