package org.pefttrainer.parity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.pefttrainer.peft.load.AdapterLoader;
import org.pefttrainer.core.io.safetensors.SafetensorsReader;
import org.pefttrainer.core.model.t5.T5Model;
import org.pefttrainer.peft.adapter.Adapter;
import org.pefttrainer.peft.lora.LoraLayer;
import org.pefttrainer.peft.lora.LoraModel;

/**
 * PEFT-written LoRA adapters (non-zero random A and B, q/v and all-linear, plain and rsLoRA scaling, T5 v1.0 and
 * v1.1) load with Adapter.load; a train-mode pass with dropout 0 gives PEFT's logits and loss, and the gradient of
 * every lora_A / lora_B equals torch's, under the key names PEFT saves.
 */
class LoraParityTest extends ParityTestBase {
    LoraParityTest() {
        super("lora");
    }

    @TestFactory
    Stream<DynamicTest> loraMatchesPeft() {
        return Fixtures.tests(Fixtures.LORA, this::check);
    }

    private void check(JsonNode kase) {
        String id = Fixtures.id(kase);
        assertEquals("train", kase.get("mode").asText(), id);
        assertEquals(0.0, kase.get("dropout_rate").asDouble(), id + ": gradients need dropout 0");
        assertEquals(0.0, kase.get("lora_dropout").asDouble(), id + ": gradients need lora_dropout 0");
        Path dir = Fixtures.path(kase, "adapter_dir");
        Map<String, RefTensor> outputs = Fixtures.tensors(kase, "outputs");
        Map<String, RefTensor> grads = Fixtures.tensors(kase, "grads");
        try (NDManager m = manager.newSubManager()) {
            T5Model model = Fixtures.loadModel(kase, m);
            try (Adapter adapter = AdapterLoader.load(dir, model, m)) {
                LoraModel lora = assertInstanceOf(LoraModel.class, adapter, id);
                assertEquals(kase.get("r").asInt(), lora.config().r(), id + " r");
                assertEquals(kase.get("use_rslora").asBoolean(), lora.config().useRslora(), id + " use_rslora");
                for (LoraLayer layer : lora.layers().values()) {
                    // PEFT's scaling (alpha/r, alpha/sqrt(r) with rsLoRA) as the fixture script recorded it
                    assertEquals(kase.get("scaling").asDouble(), layer.scaling(), 0.0, id + " " + layer.module());
                }
                try (SafetensorsReader file = SafetensorsReader.open(dir.resolve("adapter_model.safetensors"))) {
                    assertEquals(new TreeSet<>(file.tensors().keySet()), new TreeSet<>(grads.keySet()),
                            id + ": adapter file keys vs grads keys");
                }
                assertEquals(new TreeSet<>(grads.keySet()), new TreeSet<>(adapter.trainableParameters().keySet()),
                        id + ": our trainable parameter names vs PEFT's");

                TrainStep step = TrainStep.run(model, adapter, Fixtures.inputs(kase), m);
                step.compareOutputs(id, kase, outputs, report);
                report.checkAll(id, "d loss/d lora", grads, TrainStep.gradients(adapter.trainableParameters()),
                        Tolerance.FP32_GRADIENTS);
                for (Map.Entry<String, NDArray> w : model.weights().arrays().entrySet()) {
                    assertFalse(w.getValue().hasGradient(), id + ": base weight " + w.getKey() + " must stay frozen");
                }
            }
        }
    }
}
