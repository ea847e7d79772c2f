package org.pefttrainer.parity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;
import org.pefttrainer.core.model.ForwardContext;
import org.pefttrainer.core.model.Seq2SeqLM;
import org.pefttrainer.core.tensor.Ops;
import org.pefttrainer.peft.adapter.Adapter;

/**
 * One training-mode forward and backward pass of a batch, as the gradient fixtures were made: model.train() with
 * every dropout at 0 (the model must be loaded with the dropout override 0), the mean token cross-entropy over the
 * batch, loss.backward().
 */
public record TrainStep(NDArray logits, NDArray loss) {

    /** Runs the step with {@code adapter}'s hooks (null: the bare model); the arrays belong to {@code m}. */
    public static TrainStep run(Seq2SeqLM model, Adapter adapter, Inputs in, NDManager m) {
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            ForwardContext ctx = new ForwardContext(m, true, null, null);
            if (adapter != null) {
                ctx = adapter.attach(ctx);
            }
            NDArray logits = model.forward(ctx, in.inputIds(m), in.attentionMask(m), in.decoderInputIds(m));
            NDArray loss = Ops.crossEntropy(logits, in.labels(m));
            collector.backward(loss);
            return new TrainStep(logits, loss);
        }
    }

    /** Asserts the step's logits and loss equal a case's outputs file (and its manifest loss), and records them. */
    public void compareOutputs(String id, JsonNode kase, Map<String, RefTensor> outputs, ParityReport report) {
        RefTensor ref = outputs.get("logits");
        assertArrayEquals(ref.shape(), logits.getShape().getShape(), id + " logits shape");
        report.check(id, "logits", ref, logits.toFloatArray(), Tolerance.FP32);
        report.check(id, "loss", outputs.get("loss").scalar(), loss.getFloat(), Tolerance.FP32);
        assertEquals(kase.get("loss").asDouble(), outputs.get("loss").scalar(), 0.0, id + " manifest loss");
    }

    /** The gradients of {@code parameters} after the step, by name (each getGradient() wrapper is closed). */
    public static Map<String, float[]> gradients(Map<String, NDArray> parameters) {
        Map<String, float[]> out = new LinkedHashMap<>();
        parameters.forEach((name, p) -> {
            try (NDArray g = p.getGradient()) {
                out.put(name, g.toFloatArray());
            }
        });
        return out;
    }
}
