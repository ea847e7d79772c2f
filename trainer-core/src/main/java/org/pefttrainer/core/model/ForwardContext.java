package org.pefttrainer.core.model;

import ai.djl.ndarray.NDManager;

/**
 * What one forward call needs besides its inputs: the manager that owns its intermediate arrays (a per-step child
 * manager, closed after the step), whether dropout is active, and the adapter hooks in effect for this call. The
 * model itself holds no per-call state, so one loaded base serves many adapters.
 */
public final class ForwardContext {
    private final NDManager manager;
    private final boolean training;
    private final LinearHook linearHook;
    private final EncoderInputHook encoderInputHook;

    public ForwardContext(NDManager manager, boolean training, LinearHook linearHook, EncoderInputHook encoderInputHook) {
        this.manager = manager;
        this.training = training;
        this.linearHook = linearHook;
        this.encoderInputHook = encoderInputHook;
    }

    public static ForwardContext inference(NDManager manager) {
        return new ForwardContext(manager, false, null, null);
    }

    public NDManager manager() {
        return manager;
    }

    public boolean training() {
        return training;
    }

    public LinearHook linearHook() {
        return linearHook;
    }

    public EncoderInputHook encoderInputHook() {
        return encoderInputHook;
    }

    public ForwardContext withHooks(LinearHook linear, EncoderInputHook encoderInput) {
        return new ForwardContext(manager, training, linear, encoderInput);
    }

    public ForwardContext withManager(NDManager m) {
        return new ForwardContext(m, training, linearHook, encoderInputHook);
    }
}
