package org.pefttrainer.core.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.jni.JniUtils;

/**
 * The few fused PyTorch kernels that DJL's generic NDArray API does not expose (linear, embedding, dropout), plus
 * composite functions written with the same operation order as transformers so that fp32 results match it.
 *
 * <p>Every result belongs to the NDManager of the first argument: always pass the per-step activation first and
 * the long-lived weight second, so that nothing attaches to the weights' manager and leaks.
 *
 * <p>Arithmetic with a Java number inside a forward pass that will be back-propagated must use {@link #mul},
 * {@link #add}, {@link #div} and {@link #pow} here, never {@code NDArray.mul(Number)} and friends: DJL wraps the
 * number in a tensor over a Java direct buffer and closes it right after the call, but autograd keeps that tensor
 * for the backward pass (mul, div and pow need their other operand), and once the garbage collector frees the
 * buffer the backward pass reads freed memory: garbage or NaN gradients, at random.
 */
public final class Ops {
    private static final double SQRT_2_OVER_PI = Math.sqrt(2.0 / Math.PI);

    private Ops() {}

    /**
     * The number {@code c} as a 0-d fp64 tensor whose memory torch owns, in {@code like}'s manager (so it lives as
     * long as the step's activations). fp64 like the tensor DJL makes of a Java double, so results are unchanged:
     * torch computes in the dimensioned operand's type.
     */
    public static NDArray constant(NDArray like, double c) {
        return JniUtils.full((PtNDManager) like.getManager(), new Shape(), c, DataType.FLOAT64, like.getDevice(),
                SparseFormat.DENSE);
    }

    /** {@code x · c}, safe under autograd (see the class comment). */
    public static NDArray mul(NDArray x, double c) {
        return x.mul(constant(x, c));
    }

    /** {@code x + c}, safe under autograd. */
    public static NDArray add(NDArray x, double c) {
        return x.add(constant(x, c));
    }

    /** {@code x / c}, safe under autograd. */
    public static NDArray div(NDArray x, double c) {
        return x.div(constant(x, c));
    }

    /** {@code x ^ c}, safe under autograd. */
    public static NDArray pow(NDArray x, double c) {
        return x.pow(constant(x, c));
    }

    /** {@code x · Wᵀ} (torch.nn.functional.linear without bias). */
    public static NDArray linear(NDArray x, NDArray weight) {
        return JniUtils.linear((PtNDArray) x, (PtNDArray) weight, null);
    }

    /** Rows of {@code table} picked by the integer ids (torch.nn.functional.embedding). */
    public static NDArray embedding(NDArray ids, NDArray table) {
        return JniUtils.embedding((PtNDArray) ids, (PtNDArray) table, false);
    }

    /** Inverted dropout as torch applies it in training mode; the identity otherwise or when p is 0. */
    public static NDArray dropout(NDArray x, double p, boolean training) {
        if (!training || p <= 0) {
            return x;
        }
        return JniUtils.dropout((PtNDArray) x, p, true);
    }

    /**
     * Training-mode dropout {@code x ⊙ keep / (1-p)} with Java-drawn masks when given (faster, deterministic per
     * step), else torch's dropout; the identity when p is 0.
     */
    public static NDArray dropout(NDArray x, double p, DropoutMasks masks) {
        if (p <= 0) {
            return x;
        }
        if (masks == null) {
            return JniUtils.dropout((PtNDArray) x, p, true);
        }
        return mul(dropoutUnscaled(x, p, masks), 1.0 / (1.0 - p));
    }

    /**
     * {@code x ⊙ keep} without the 1/(1-p) rescale, for callers that apply the rescale to a smaller tensor
     * downstream (after a matmul): the same result for a fraction of the memory traffic.
     */
    public static NDArray dropoutUnscaled(NDArray x, double p, DropoutMasks masks) {
        NDArray mask = masks.keepMask(x.getManager(), x.getShape(), 1.0 - p);
        return x.mul(mask);
    }

    public static NDArray relu(NDArray x) {
        return JniUtils.relu((PtNDArray) x);
    }

    /** GELU with the exact erf form (torch's default, transformers' "gelu"). */
    public static NDArray geluErf(NDArray x) {
        return JniUtils.gelu((PtNDArray) x);
    }

    /** transformers' NewGELUActivation ("gelu_new", T5 v1.1 / FLAN-T5), same operation order. */
    public static NDArray geluTanh(NDArray x) {
        NDArray inner = add(mul(mul(pow(x, 3.0), 0.044715).add(x), SQRT_2_OVER_PI).tanh(), 1.0);
        return mul(x, 0.5).mul(inner);
    }

    public static NDArray silu(NDArray x) {
        return x.mul(x.getNDArrayInternal().sigmoid());
    }

    public static NDArray activation(String name, NDArray x) {
        switch (name) {
            case "relu": return relu(x);
            case "gelu_new": case "gelu_pytorch_tanh": return geluTanh(x);
            case "gelu": return geluErf(x);
            case "silu": case "swish": return silu(x);
            default: throw new IllegalArgumentException("unsupported activation " + name);
        }
    }

    /**
     * T5's layer norm: no mean subtraction, no bias; {@code w * x / sqrt(mean(x²) + eps)} with the variance taken
     * in fp32 (T5LayerNorm).
     */
    /**
     * Attention scores {@code q·kᵀ / divisor} for q [..., Tq, D] and k [..., Tk, D]. When the divisor is a power of
     * two (sqrt(64) for most models' head size) q is scaled before the product instead: bit-identical, as scaling
     * by a power of two is exact, and a pass over [..., Tq, D] instead of one over the Tq/D times larger scores,
     * forward and backward.
     */
    public static NDArray attentionScores(NDArray q, NDArray k, double divisor) {
        NDArray kT = k.transpose(0, 1, 3, 2);
        if (divisor == 1.0) {
            return q.matMul(kT);
        }
        long bits = Double.doubleToLongBits(divisor);
        boolean powerOfTwo = divisor > 0 && (bits & 0x000FFFFFFFFFFFFFL) == 0;
        return powerOfTwo ? mul(q, 1.0 / divisor).matMul(kT) : div(q.matMul(kT), divisor);
    }

    public static NDArray rmsNorm(NDArray x, NDArray weight, double eps) {
        NDArray variance = x.square().mean(new int[] {-1}, true);
        NDArray inv = pow(add(variance, eps), -0.5);
        return x.mul(inv).mul(weight);
    }

    /**
     * Mean token cross-entropy of {@code logits} [B, T, V] against {@code labels} [B, T], ignoring label -100
     * (torch's CrossEntropyLoss(ignore_index=-100), reduction mean). NaN when every label is ignored, as in torch.
     */
    public static NDArray crossEntropy(NDArray logits, NDArray labels) {
        NDArray valid = labels.gte(0);
        NDArray safeLabels = labels.mul(valid.toType(DataType.INT64, false));
        NDArray logp = logits.logSoftmax(-1);
        NDArray picked = logp.gather(safeLabels.expandDims(-1), -1).squeeze(-1);
        NDArray mask = valid.toType(DataType.FLOAT32, false);
        return picked.mul(mask).sum().neg().div(mask.sum());
    }

    /**
     * Per row of {@code labels [B, T]}: the summed negative log-likelihood of its label tokens (labels below 0, the
     * padding, count nothing), as {@code [B]}. Their sum over rows divided by the label-token count is the
     * token-weighted loss that {@link #crossEntropy} gives for one batch.
     */
    public static NDArray tokenNllSums(NDArray logits, NDArray labels) {
        NDArray valid = labels.gte(0);
        NDArray safeLabels = labels.mul(valid.toType(DataType.INT64, false));
        NDArray logp = logits.logSoftmax(-1);
        NDArray picked = logp.gather(safeLabels.expandDims(-1), -1).squeeze(-1);
        return picked.mul(valid.toType(DataType.FLOAT32, false)).sum(new int[] {1}).neg();
    }

    /** torch.nn.functional.layer_norm over the last dimension, with weight and bias (GPT-2's LayerNorm). */
    public static NDArray layerNorm(NDArray x, NDArray weight, NDArray bias, double eps) {
        return x.getNDArrayInternal().layerNorm(x, new ai.djl.ndarray.types.Shape(x.getShape().getLastDimension()), weight, bias,
                (float) eps).singletonOrThrow();
    }

    /** GPT-2's Conv1D: {@code x · W + b} with W stored [in, out] (the transpose of nn.Linear's). */
    public static NDArray conv1d(NDArray x, NDArray weight, NDArray bias) {
        return JniUtils.linear((PtNDArray) x, (PtNDArray) weight.transpose(), (PtNDArray) bias);
    }
}
