package org.pefttrainer.parity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.pefttrainer.core.model.t5.T5Model;

/**
 * With every base weight trainable (train mode, dropout 0), the gradients of the named weights equal torch's
 * autograd through transformers' T5; with a tied head the lm_head's share arrives in shared.weight.
 */
class FullGradParityTest extends ParityTestBase {
    FullGradParityTest() {
        super("full_grad");
    }

    @TestFactory
    Stream<DynamicTest> gradientsMatchTorch() {
        return Fixtures.tests(Fixtures.FULL_GRAD, this::check);
    }

    private void check(JsonNode kase) {
        String id = Fixtures.id(kase);
        assertEquals("train", kase.get("mode").asText(), id);
        assertEquals(0.0, kase.get("dropout_rate").asDouble(), id + ": gradients need dropout 0");
        Map<String, RefTensor> ref = Fixtures.tensors(kase, "grads");
        assertEquals(new TreeSet<>(Fixtures.fieldNames(kase.get("grad_tensors"))), new TreeSet<>(ref.keySet()),
                id + " grad_tensors vs the file");
        try (NDManager m = manager.newSubManager()) {
            T5Model model = Fixtures.loadModel(kase, m);
            model.weights().arrays().values().forEach(w -> w.setRequiresGradient(true));
            TrainStep step = TrainStep.run(model, null, Fixtures.inputs(kase), m);
            report.check(id, "loss", kase.get("loss").asDouble(), step.loss().getFloat(), Tolerance.FP32);
            Map<String, NDArray> named = new LinkedHashMap<>();
            for (String name : ref.keySet()) {
                // a tied lm_head is no parameter of its own: its gradient is part of shared.weight's
                assertFalse(model.config().tieWordEmbeddings() && name.equals("lm_head.weight"), id + " " + name);
                named.put(name, model.weights().get(name));
            }
            report.checkAll(id, "d loss/d weight", ref, TrainStep.gradients(named), Tolerance.FP32_GRADIENTS);
        }
    }
}
