package org.pefttrainer.peft.lora;

import ai.djl.ndarray.NDArray;
import org.pefttrainer.core.model.ForwardContext;
import org.pefttrainer.core.tensor.Ops;

/**
 * The LoRA update of one linear module: {@code delta(x) = B(A(dropout(x))) · scaling}, in the operation order of PEFT's
 * lora.Linear.forward ({@code lora_B(lora_A(dropout(x))) * scaling}) so fp32 results agree with it; the caller adds
 * it to the frozen projection {@code x·Wᵀ}. Dropout acts on the LoRA input only, and only in training.
 */
public final class LoraLayer {
    private final String module;
    private final NDArray loraA;
    private final NDArray loraB;
    private final double scaling;
    private final double dropout;

    public LoraLayer(String module, NDArray loraA, NDArray loraB, double scaling, double dropout) {
        this.module = module;
        this.loraA = loraA;
        this.loraB = loraB;
        this.scaling = scaling;
        this.dropout = dropout;
    }

    /** The update for activations {@code x} [..., in]; the result belongs to x's manager. */
    public NDArray delta(NDArray x, boolean training) {
        return project(Ops.dropout(x, dropout, training));
    }

    /** The update in a forward call: dropout (training only) draws from the call's mask generator when it has one. */
    public NDArray delta(NDArray x, ForwardContext ctx) {
        return project(ctx.dropout(x, dropout));
    }

    private NDArray project(NDArray h) {
        // Ops.mul keeps the scalar in torch-owned memory: autograd holds it until backward (see Ops).
        return Ops.mul(Ops.linear(Ops.linear(h, loraA), loraB), scaling);
    }

    public String module() {
        return module;
    }

    /** A [r, in] (PEFT's lora_A.weight). */
    public NDArray loraA() {
        return loraA;
    }

    /** B [out, r] (PEFT's lora_B.weight). */
    public NDArray loraB() {
        return loraB;
    }

    public double scaling() {
        return scaling;
    }

    public double dropout() {
        return dropout;
    }

    public int r() {
        return (int) loraA.getShape().get(0);
    }

    public int inFeatures() {
        return (int) loraA.getShape().get(1);
    }

    public int outFeatures() {
        return (int) loraB.getShape().get(0);
    }
}
