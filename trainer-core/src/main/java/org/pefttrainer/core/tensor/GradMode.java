package org.pefttrainer.core.tensor;

import ai.djl.pytorch.jni.JniUtils;

/**
 * PyTorch's autograd switch is per thread and on by default; DJL turns it off only on the thread that starts the
 * engine (and a GradientCollector turns it on and off again). Threads that run inference (a server's worker, an
 * executor) call {@link #disableOnThisThread} first, or torch records graphs through every adapter array that
 * requires gradients, holding activations for a backward pass that never comes.
 */
public final class GradMode {
    private GradMode() {}

    public static void disableOnThisThread() {
        JniUtils.setGradMode(false);
    }
}
