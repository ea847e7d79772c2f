package org.pefttrainer.core.model;

import ai.djl.ndarray.NDArray;

/** The encoder's last hidden state [B, S, d] and the attention mask it was computed with [B, S]. */
public record EncoderOutput(NDArray hidden, NDArray attentionMask) {}
