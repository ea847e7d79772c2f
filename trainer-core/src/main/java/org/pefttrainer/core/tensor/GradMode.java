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
        ai.djl.engine.Engine.getInstance(); // loads the natives in a JVM that has not used the engine yet
        JniUtils.setGradMode(false);
    }

    /** Turns recording off on this thread until the returned scope closes, which restores the previous mode. */
    public static Scope off() {
        ai.djl.engine.Engine.getInstance();
        boolean was = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        return () -> JniUtils.setGradMode(was);
    }

    /**
     * Turns recording on on this thread until the scope closes. Unlike DJL's GradientCollector, of which one JVM
     * may have one at a time, threads that train side by side (Spark tasks in one executor) each have their own.
     */
    public static Scope on() {
        ai.djl.engine.Engine.getInstance();
        boolean was = JniUtils.isGradMode();
        JniUtils.setGradMode(true);
        return () -> JniUtils.setGradMode(was);
    }

    /** Back-propagates the scalar {@code loss} into the gradients of the leaves it was computed from. */
    public static void backward(ai.djl.ndarray.NDArray loss) {
        try (ai.djl.ndarray.NDArray ones = loss.onesLike()) {
            JniUtils.backward((ai.djl.pytorch.engine.PtNDArray) loss, (ai.djl.pytorch.engine.PtNDArray) ones, false,
                    false);
        }
    }

    /** A section of code with a grad mode of its own. */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }
}
