package org.pefttrainer.peft.lora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.pefttrainer.core.model.t5.T5Model;
import org.pefttrainer.peft.Gradients;
import org.pefttrainer.peft.PeftSamples;

/** After one backward pass only the LoRA matrices have gradients; the base model stays frozen. */
class LoraGradientTest {
    private static NDManager manager;
    private static T5Model base;

    @BeforeAll
    static void load() {
        manager = NDManager.newBaseManager();
        base = PeftSamples.tinyT5(manager);
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    private static void assertBaseFrozen() {
        for (Map.Entry<String, NDArray> w : base.weights().arrays().entrySet()) {
            assertFalse(w.getValue().hasGradient(), w.getKey());
        }
    }

    @Test
    void withPeftsDefaultInitOnlyBGetsAGradientAtFirst() {
        LoraConfig c = LoraConfig.builder().targetModules(TargetModules.allLinear()).build();
        try (LoraModel lora = LoraModel.create(base, c, 5, manager); NDManager step = manager.newSubManager()) {
            Gradients.backwardOnce(base, lora, step);
            assertBaseFrozen();
            assertEquals(2 * 36, lora.trainableParameters().size());
            for (LoraLayer layer : lora.layers().values()) {
                assertTrue(layer.loraA().hasGradient() && layer.loraB().hasGradient(), layer.module());
                // dL/dB = s · (dL/dy)ᵀ · (A·x) ≠ 0; dL/dA = s · Bᵀ · ... = 0 exactly while B = 0.
                assertTrue(Gradients.norm(Gradients.of(layer.loraB())) > 0, layer.module());
                assertEquals(0.0, Gradients.norm(Gradients.of(layer.loraA())), layer.module());
            }
        }
    }

    @Test
    void withRandomBBothMatricesGetGradients() {
        LoraConfig c = LoraConfig.builder().r(2).targetModules(TargetModules.names("q", "v", "wo"))
                .initLoraWeights(LoraInit.NONE).build();
        try (LoraModel lora = LoraModel.create(base, c, 6, manager); NDManager step = manager.newSubManager()) {
            Gradients.backwardOnce(base, lora, step);
            assertBaseFrozen();
            assertEquals(2 * (12 + 4), lora.trainableParameters().size());
            for (Map.Entry<String, NDArray> p : lora.trainableParameters().entrySet()) {
                assertTrue(Gradients.norm(Gradients.of(p.getValue())) > 0, p.getKey());
            }
        }
    }
}
