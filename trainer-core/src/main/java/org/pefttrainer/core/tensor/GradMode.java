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

    /** Turns recording off on this thread until the returned scope closes, which restores the previous mode. */
    public static Scope off() {
        boolean was = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        return () -> JniUtils.setGradMode(was);
    }

    /** A section of code with a grad mode of its own. */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }
}
