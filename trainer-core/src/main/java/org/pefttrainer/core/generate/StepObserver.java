package org.pefttrainer.core.generate;

import ai.djl.ndarray.NDArray;

/** Sees each step's raw next-token logits [rows, V] (tests compare the cached and the uncached decoder with it). */
@FunctionalInterface
interface StepObserver {
    void onStep(int step, NDArray logits);
}
