package org.pefttrainer.core.model;

import ai.djl.ndarray.NDArray;

/**
 * Key/value cache for incremental decoding: per decoder layer the self-attention keys and values of the positions
 * seen so far, and (encoder-decoder) the cross-attention keys and values of the encoder output (computed once). A
 * decoder-only model whose first pass got a prefix from the {@link InputEmbeddingHook} (soft prompts) keeps that
 * prefix's attention mask here, so later passes see it without the caller knowing of it.
 */
public final class DecoderCache {
    private final NDArray[] selfKeys;
    private final NDArray[] selfValues;
    private final NDArray[] crossKeys;
    private final NDArray[] crossValues;
    private int length;
    private int prefixLength;
    private long[] prefixMask = new long[0];

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

    /** Positions at the front that the input-embedding hook added (counted in {@link #length()}). */
    public int prefixLength() {
        return prefixLength;
    }

    /** The prefix's attention mask, row-major [batch, prefixLength]. */
    public long[] prefixMask() {
        return prefixMask;
    }

    public void setPrefix(int positions, long[] mask) {
        prefixLength = positions;
        prefixMask = mask.clone();
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

    /**
     * Appends this step's keys and values [B, H, T, D] to layer {@code layer}'s and returns all of them, past first:
     * {k, v}. What every family's self-attention does with a cache.
     */
    public NDArray[] appendSelf(int layer, NDArray k, NDArray v) {
        if (selfKeys[layer] != null) {
            k = selfKeys[layer].concat(k, 2);
            v = selfValues[layer].concat(v, 2);
        }
        setSelf(layer, k, v);
        return new NDArray[] {k, v};
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
