package org.pefttrainer.core.model;

import ai.djl.ndarray.NDArray;

/**
 * Key/value cache of an encoder-decoder for incremental decoding: per decoder layer the self-attention keys and
 * values of the tokens decoded so far, and the cross-attention keys and values of the encoder output (computed once).
 */
public final class DecoderCache {
    private final NDArray[] selfKeys;
    private final NDArray[] selfValues;
    private final NDArray[] crossKeys;
    private final NDArray[] crossValues;
    private int length;

    public DecoderCache(int layers) {
        selfKeys = new NDArray[layers];
        selfValues = new NDArray[layers];
        crossKeys = new NDArray[layers];
        crossValues = new NDArray[layers];
    }

    /** Number of decoder positions already cached. */
    public int length() {
        return length;
    }

    public void advance(int steps) {
        length += steps;
    }

    public NDArray selfKey(int layer) {
        return selfKeys[layer];
    }

    public NDArray selfValue(int layer) {
        return selfValues[layer];
    }

    public NDArray crossKey(int layer) {
        return crossKeys[layer];
    }

    public NDArray crossValue(int layer) {
        return crossValues[layer];
    }

    public void setSelf(int layer, NDArray k, NDArray v) {
        selfKeys[layer] = k;
        selfValues[layer] = v;
    }

    public void setCross(int layer, NDArray k, NDArray v) {
        crossKeys[layer] = k;
        crossValues[layer] = v;
    }
}
