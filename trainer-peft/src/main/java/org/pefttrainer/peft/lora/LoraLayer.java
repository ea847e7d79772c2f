package org.pefttrainer.peft.lora;

import ai.djl.ndarray.NDArray;
import org.pefttrainer.core.model.ForwardContext;
import org.pefttrainer.core.tensor.Ops;

/**
 * The LoRA update of one module, added by the caller to the frozen output, in PEFT 0.13.2's operation order so that
 * fp32 results agree with it:
 * <ul>
 *   <li>linear (lora.Linear.forward): {@code B(A(dropout(x))) · s};</li>
 *   <li>DoRA (lora.dora.DoraLinearLayer.forward): with {@code g = m / ‖W + s·B·A‖} per output row (the norm
 *       detached from the gradient, as the DoRA paper's section 4.3 and PEFT do),
 *       {@code (g - 1) ⊙ (dropout(x)·Wᵀ) + g ⊙ B(A(dropout(x))) · s};</li>
 *   <li>embedding (lora.Embedding.forward): {@code embedding(ids, Aᵀ)·Bᵀ · s}, no dropout.</li>
 * </ul>
 * Dropout acts on the LoRA input only, and only in training.
 */
public final class LoraLayer {
    private final String module;
    private final NDArray loraA;
    private final NDArray loraB;
    private final double scaling;
    private final double dropout;
    private final NDArray magnitude;
    private final NDArray baseWeight;
    private final boolean baseTransposed;
    private final boolean embedding;

    /** Plain LoRA on a linear module. */
    public LoraLayer(String module, NDArray loraA, NDArray loraB, double scaling, double dropout) {
        this(module, loraA, loraB, scaling, dropout, null, null, false, false);
    }

    /**
     * @param magnitude      DoRA's m [out], or null
     * @param baseWeight     the frozen W (DoRA only), [out, in], or [in, out] when {@code baseTransposed} (Conv1D)
     * @param embedding      A is lora_embedding_A [r, num_embeddings] and the input is token ids
     */
    public LoraLayer(String module, NDArray loraA, NDArray loraB, double scaling, double dropout, NDArray magnitude,
            NDArray baseWeight, boolean baseTransposed, boolean embedding) {
        this.module = module;
        this.loraA = loraA;
        this.loraB = loraB;
        this.scaling = scaling;
        this.dropout = dropout;
        this.magnitude = magnitude;
        this.baseWeight = baseWeight;
        this.baseTransposed = baseTransposed;
        this.embedding = embedding;
        if (magnitude != null && baseWeight == null) {
            throw new IllegalArgumentException(module + ": DoRA needs the base weight");
        }
    }

    /** The update for activations {@code x} [..., in]; the result belongs to x's manager. */
    public NDArray delta(NDArray x, boolean training) {
        return update(Ops.dropout(x, dropout, training));
    }

    /** The update in a forward call: dropout (training only) draws from the call's mask generator when it has one. */
    public NDArray delta(NDArray x, ForwardContext ctx) {
        return update(embedding ? x : ctx.dropout(x, dropout));
    }

    private NDArray update(NDArray h) {
        if (embedding) {
            return Ops.mul(Ops.linear(Ops.embedding(h, own(loraA.transpose(), h)), loraB), scaling);
        }
        // Ops.mul keeps the scalar in torch-owned memory: autograd holds it until backward (see Ops).
        NDArray lora = Ops.mul(Ops.linear(Ops.linear(h, loraA), loraB), scaling);
        if (magnitude == null) {
            return lora;
        }
        NDArray g = weightNorm(h).pow(-1f).mul(magnitude); // m / ‖W + s·B·A‖, [out]
        NDArray base = baseTransposed ? h.matMul(baseWeight) : Ops.linear(h, baseWeight);
        return base.mul(g.sub(1f)).add(lora.mul(g));
    }

    /**
     * ‖W + s·B·A‖ over each output row, detached (no gradient flows through the norm); the result belongs to
     * {@code owner}'s manager.
     */
    NDArray weightNorm(NDArray owner) {
        NDArray ba = own(loraB.matMul(loraA), owner).stopGradient(); // [out, in]
        NDArray sum = Ops.mul(ba, scaling).add(baseTransposed ? own(baseWeight.transpose(), owner) : baseWeight);
        return sum.square().sum(new int[] {1}).sqrt().stopGradient();
    }

    /** {@code a}, computed from the adapter's (or base's) arrays, handed to the call's manager: freed with the step. */
    private static NDArray own(NDArray a, NDArray owner) {
        a.attach(owner.getManager());
        return a;
    }

    public String module() {
        return module;
    }

    /** A [r, in] (PEFT's lora_A.weight, or lora_embedding_A [r, num_embeddings]). */
    public NDArray loraA() {
        return loraA;
    }

    /** B [out, r] (PEFT's lora_B.weight, or lora_embedding_B [embedding_dim, r]). */
    public NDArray loraB() {
        return loraB;
    }

    /** DoRA's magnitude vector [out], or null for plain LoRA. */
    public NDArray magnitude() {
        return magnitude;
    }

    public boolean isDora() {
        return magnitude != null;
    }

    public boolean isEmbedding() {
        return embedding;
    }

    /** Whether its update is B·A·x scaled: what the batched mixed-adapter path computes for many adapters at once. */
    public boolean isPlain() {
        return magnitude == null && !embedding;
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
