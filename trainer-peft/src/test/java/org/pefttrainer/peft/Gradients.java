package org.pefttrainer.peft;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import org.pefttrainer.core.io.safetensors.SafetensorsReader;
import org.pefttrainer.core.model.ForwardContext;
import org.pefttrainer.core.model.Seq2SeqLM;
import org.pefttrainer.core.tensor.Ops;
import org.pefttrainer.peft.adapter.Adapter;

/** One training-mode forward and backward of the sample batch through a model with an adapter. */
public final class Gradients {
    private Gradients() {}

    public static void backwardOnce(Seq2SeqLM base, Adapter adapter, NDManager step) {
        try (SafetensorsReader e = PeftSamples.expected();
                GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            ForwardContext ctx = adapter.attach(new ForwardContext(step, true, null, null));
            NDArray logits = base.forward(ctx, PeftSamples.longs(step, e, "input_ids"),
                    PeftSamples.longs(step, e, "attention_mask"), PeftSamples.longs(step, e, "decoder_input_ids"));
            NDArray labels = step.create(new long[] {12, 40, 1, 7, 7, 1}, new ai.djl.ndarray.types.Shape(2, 3));
            gc.backward(Ops.crossEntropy(logits, labels));
        }
    }

    /** The gradient's values (the wrapper getGradient returns is closed again). */
    public static float[] of(NDArray parameter) {
        try (NDArray g = parameter.getGradient()) {
            return g.toFloatArray();
        }
    }

    public static double norm(float[] v) {
        double s = 0;
        for (float x : v) {
            s += (double) x * x;
        }
        return Math.sqrt(s);
    }

    /** {max |want - got|, max |want|}: how far a gradient is off, and the scale its tolerance is taken of. */
    public static double[] maxDiffAndScale(float[] want, float[] got) {
        double max = 0;
        double scale = 0;
        for (int i = 0; i < want.length; i++) {
            max = Math.max(max, Math.abs(want[i] - got[i]));
            scale = Math.max(scale, Math.abs(want[i]));
        }
        return new double[] {max, scale};
    }
}
