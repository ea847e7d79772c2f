package org.pefttrainer.parity;

import java.util.Locale;

/** An accepted {@link Difference}: which measure of it is bounded, and by what. */
public record Tolerance(Measure measure, double bound) {
    /**
     * What every fp32 tensor comparison (activations, logits, losses, gradients) accepts: |ours - ref| <= 1e-5 ·
     * max|ref| for every element, the scale being the whole tensor's largest magnitude. torch 1.13 (reference) and
     * 2.7.1 (ours) fp32 kernels sum in different orders, so results differ by a few ulps of the magnitudes that were
     * summed, which the tensor's scale measures; an element near zero is usually the cancellation of larger terms and
     * carries their absolute error, so a per-element relative bound would be wrong there, while a fixed absolute
     * bound would not fit losses (O(10)) and small activations alike. docs/parity.md lists the measured worst.
     */
    public static final Tolerance FP32 = relativeToMaxAbs(1e-5);

    /**
     * What gradient comparisons accept: |ours - ref| <= 1e-4 · max|ref| per tensor. A gradient passes back through
     * every layer and inherits the rounding of the whole forward and backward pass: in the all-linear rsLoRA
     * (scaling 8) T5 v1.0 case, our fp32 gradients differ from the same computation in fp64 by 2.7e-5 of max|ref| and
     * torch 1.13's fp32 ones by 3.6e-5, so that is the fp32 noise floor there and 1e-5 cannot be met by any fp32
     * implementation. A wrong formula (scaling, a missing rescale) moves gradients by far more than 1e-4.
     */
    public static final Tolerance FP32_GRADIENTS = relativeToMaxAbs(1e-4);

    public enum Measure {
        /** |ours - ref| <= bound · max|ref| over the tensor, for every element. */
        RELATIVE_TO_MAX_ABS,
        /** |ours - ref| <= bound for every element. */
        ABSOLUTE
    }

    public static Tolerance relativeToMaxAbs(double bound) {
        return new Tolerance(Measure.RELATIVE_TO_MAX_ABS, bound);
    }

    public static Tolerance absolute(double bound) {
        return new Tolerance(Measure.ABSOLUTE, bound);
    }

    /** The value of {@code d} this tolerance bounds. */
    public double of(Difference d) {
        return switch (measure) {
            case RELATIVE_TO_MAX_ABS -> d.maxRelToMaxAbs();
            case ABSOLUTE -> d.maxAbs();
        };
    }

    public boolean accepts(Difference d) {
        double v = of(d);
        return !Double.isNaN(v) && v <= bound;
    }

    @Override
    public String toString() {
        return switch (measure) {
            case RELATIVE_TO_MAX_ABS -> String.format(Locale.ROOT, "|d| <= %.0e*max|ref|", bound);
            case ABSOLUTE -> String.format(Locale.ROOT, "|d| <= %.0e", bound);
        };
    }
}
