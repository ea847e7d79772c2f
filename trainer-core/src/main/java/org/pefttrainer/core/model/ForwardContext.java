package org.pefttrainer.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.pefttrainer.core.tensor.DropoutMasks;
import org.pefttrainer.core.tensor.Ops;

/**
 * What one forward call needs besides its inputs: the manager that owns its intermediate arrays (a per-step child
 * manager, closed after the step), whether dropout is active, and the adapter hooks in effect for this call. The
 * model itself holds no per-call state, so one loaded base serves many adapters.
 */
public final class ForwardContext {
    private final NDManager manager;
    private final boolean training;
    private final LinearHook linearHook;
    private final InputEmbeddingHook inputEmbeddingHook;
    private final ParameterHook parameterHook;
    private final int rowRepeat;
    private final DropoutMasks dropoutMasks;
    private final ActivationCheckpoints checkpoints;

    public ForwardContext(NDManager manager, boolean training, LinearHook linearHook, InputEmbeddingHook inputEmbeddingHook) {
        this(manager, training, linearHook, inputEmbeddingHook, null, 1, null, null);
    }

    private ForwardContext(NDManager manager, boolean training, LinearHook linearHook,
            InputEmbeddingHook inputEmbeddingHook, ParameterHook parameterHook, int rowRepeat,
            DropoutMasks dropoutMasks, ActivationCheckpoints checkpoints) {
        this.manager = manager;
        this.training = training;
        this.linearHook = linearHook;
        this.inputEmbeddingHook = inputEmbeddingHook;
        this.parameterHook = parameterHook;
        this.rowRepeat = rowRepeat;
        this.dropoutMasks = dropoutMasks;
        this.checkpoints = checkpoints;
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

    /**
     * {@code y}, the frozen output of {@code module} for input {@code x}, plus the linear hook's delta (an adapter's
     * update) when there is one: where LoRA enters every projection of every family.
     */
    public NDArray withHook(String module, NDArray x, NDArray y) {
        NDArray delta = linearHook == null ? null : linearHook.delta(module, x, this);
        return delta == null ? y : y.add(delta);
    }

    /**
     * Base parameter {@code name} as this call sees it: the adapter's replacement when it has one (see
     * {@link ParameterHook}), else the frozen weight (tied aliases resolved by {@link Weights#get}).
     */
    public NDArray param(Weights weights, String name) {
        NDArray p = parameterHook == null ? null : parameterHook.parameter(name);
        return p != null ? p : weights.get(name);
    }

    /**
     * The embedding lookup of {@code module} ({@code module.weight} [vocab, d]) for token ids, plus the linear
     * hook's delta for that module, which receives the ids as its input: where PEFT's embedding LoRA enters.
     */
    public NDArray embedding(Weights weights, String module, NDArray ids) {
        return withHook(module, ids, Ops.embedding(ids, param(weights, module + ".weight")));
    }

    public InputEmbeddingHook inputEmbeddingHook() {
        return inputEmbeddingHook;
    }

    /**
     * How many consecutive batch rows belong to one original input row: 1 normally, num_beams (or
     * num_return_sequences) once generation has expanded each input into several decoder rows. Hooks that act per
     * input row (mixed-adapter batches) map batch row {@code i} to input row {@code i / rowRepeat()}.
     */
    public int rowRepeat() {
        return rowRepeat;
    }

    /**
     * The context with these hooks (each may be null) in place of the current ones; all three at once, so that no
     * caller keeps an adapter's linear hook while dropping its replaced parameters.
     */
    public ForwardContext withHooks(LinearHook linear, InputEmbeddingHook encoderInput, ParameterHook parameters) {
        return new ForwardContext(manager, training, linear, encoderInput, parameters, rowRepeat, dropoutMasks,
                checkpoints);
    }

    /** The same context with dropout on ({@code true}) or off; generation always runs with it off. */
    public ForwardContext withTraining(boolean t) {
        return new ForwardContext(manager, t, linearHook, inputEmbeddingHook, parameterHook, rowRepeat, dropoutMasks,
                checkpoints);
    }

    public ForwardContext withManager(NDManager m) {
        return new ForwardContext(m, training, linearHook, inputEmbeddingHook, parameterHook, rowRepeat, dropoutMasks,
                checkpoints);
    }

    /** The same context for a batch whose rows were each repeated {@code factor} times consecutively. */
    public ForwardContext withRowRepeat(int factor) {
        return new ForwardContext(manager, training, linearHook, inputEmbeddingHook, parameterHook, rowRepeat * factor,
                dropoutMasks, checkpoints);
    }

    /**
     * Where training-mode dropout draws its masks: a seeded Java generator (deterministic per forward call, see
     * {@link DropoutMasks}), or null for torch's own dropout RNG.
     */
    public DropoutMasks dropoutMasks() {
        return dropoutMasks;
    }

    /**
     * Dropout as this pass applies it: {@code x ⊙ keep / (1-p)} in training mode (the context's masks, else torch's
     * RNG), the identity in eval mode or when p is 0.
     */
    public NDArray dropout(NDArray x, double p) {
        return training ? Ops.dropout(x, p, dropoutMasks) : x;
    }

    /** {@code x ⊙ keep} without the 1/(1-p) rescale (the caller rescales a smaller tensor); training mode only. */
    public NDArray dropoutUnscaled(NDArray x, double p) {
        return Ops.dropoutUnscaled(x, p, dropoutMasks);
    }

    /** The same context drawing dropout masks from a generator seeded with {@code seed}. */
    public ForwardContext withDropoutSeed(long seed) {
        return new ForwardContext(manager, training, linearHook, inputEmbeddingHook, parameterHook, rowRepeat,
                new DropoutMasks(seed), checkpoints);
    }

    /** The same context drawing its dropout masks from {@code masks} (a checkpointed block's replay). */
    ForwardContext withDropoutMasks(DropoutMasks masks) {
        return new ForwardContext(manager, training, linearHook, inputEmbeddingHook, parameterHook, rowRepeat, masks,
                checkpoints);
    }

    /**
     * Where {@link BlockScope} records the blocks it runs without keeping their activations (activation
     * checkpointing), or null: every block keeps them for autograd.
     */
    public ActivationCheckpoints activationCheckpoints() {
        return checkpoints;
    }

    /**
     * The same context with activation checkpointing recorded in {@code tape} (null: off). A checkpointed block is
     * recomputed with the masks its first pass drew, so the masks must come from the context's generator.
     */
    public ForwardContext withActivationCheckpoints(ActivationCheckpoints tape) {
        if (tape != null && training && dropoutMasks == null) {
            throw new IllegalStateException("activation checkpointing replays dropout: set a dropout seed first");
        }
        return new ForwardContext(manager, training, linearHook, inputEmbeddingHook, parameterHook, rowRepeat,
                dropoutMasks, tape);
    }
}
