package org.pefttrainer.parity;

import java.util.Arrays;

/** One tensor of a fixture file as float32 values (row-major) with its shape. */
public record RefTensor(String name, long[] shape, float[] values) {
    public long size() {
        return values.length;
    }

    /** The values of rows {@code from..to-1} of a 2-d tensor. */
    public float[] rows(int from, int to) {
        int cols = (int) shape[1];
        return Arrays.copyOfRange(values, from * cols, to * cols);
    }

    /** The single value of a scalar stored as shape [1] (the loss). */
    public double scalar() {
        if (values.length != 1) {
            throw new IllegalStateException(name + " is not a scalar: shape " + Arrays.toString(shape));
        }
        return values[0];
    }
}
