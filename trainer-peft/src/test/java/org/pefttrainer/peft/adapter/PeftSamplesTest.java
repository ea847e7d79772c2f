package org.pefttrainer.peft.adapter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.pefttrainer.peft.load.AdapterLoader;
import org.pefttrainer.core.io.safetensors.SafetensorsReader;
import org.pefttrainer.core.model.ForwardContext;
import org.pefttrainer.core.model.t5.T5Model;
import org.pefttrainer.peft.PeftSamples;
import org.pefttrainer.peft.lora.LoraConfig;
import org.pefttrainer.peft.lora.LoraInit;
import org.pefttrainer.peft.lora.LoraModel;
import org.pefttrainer.peft.lora.TargetModules;
import org.pefttrainer.peft.prompt.PromptTuningConfig;
import org.pefttrainer.peft.prompt.PromptTuningInit;
import org.pefttrainer.peft.prompt.SoftPrompt;

/** Adapter folders written by PEFT 0.13.2 load onto our T5 and reproduce PEFT's logits. */
class PeftSamplesTest {
    /**
     * The logits are O(3); fp32 summation order differs between torch-via-DJL and PEFT's torch 1.13, measured at
     * 3e-6 (base), 4e-6 (q, v), 6e-6 (prompt) and 3e-5 (36 LoRA modules). A transposed, mis-scaled or missing LoRA
     * matrix or prompt row moves logits by O(0.1-1), far above 1e-4.
     */
    private static final double LOGIT_TOLERANCE = 1e-4;

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

    private static float[] expectedLogits(String name) {
        try (SafetensorsReader e = PeftSamples.expected()) {
            return e.readAsFloat32("logits." + name);
        }
    }

    private static float[] logitsWith(Adapter adapter) {
        try (NDManager step = manager.newSubManager()) {
            return PeftSamples.logits(base, adapter.attach(ForwardContext.inference(step)));
        }
    }

    @Test
    void baseModelReproducesTransformersLogits() {
        try (NDManager step = manager.newSubManager()) {
            float[] ours = PeftSamples.logits(base, ForwardContext.inference(step));
            assertTrue(PeftSamples.maxAbsDiff(ours, expectedLogits("base")) < LOGIT_TOLERANCE);
        }
    }

    @Test
    void loraQvLoadsWithPeftsKeysShapesConfigAndLogits() {
        try (Adapter a = AdapterLoader.load(PeftSamples.adapter("lora-qv"), base, manager)) {
            LoraModel lora = assertInstanceOf(LoraModel.class, a);
            assertEquals("lora-qv", a.name());
            assertEquals(AdapterType.LORA, a.type());
            LoraConfig c = lora.config();
            assertEquals(4, c.r());
            assertEquals(8.0, c.loraAlpha());
            assertEquals(0.1, c.loraDropout());
            assertEquals(TargetModules.names("q", "v"), c.targetModules());
            assertEquals(LoraInit.DEFAULT, c.initLoraWeights());
            assertEquals("tiny-t5", c.baseModelNameOrPath());
            assertEquals(2.0, lora.layer("encoder.block.0.layer.0.SelfAttention.q").scaling());
            // 2 encoder self-attentions + 2 decoder blocks × (self, cross) = 6 attentions × (q, v) = 12 modules.
            assertEquals(12, lora.layers().size());
            assertEquals(12 * (4 * 16 + 16 * 4), a.trainableParameterCount());
            assertKeysAndShapesAsInFile("lora-qv", a.trainableParameters());
            double diff = PeftSamples.maxAbsDiff(logitsWith(a), expectedLogits("lora-qv"));
            assertTrue(diff < LOGIT_TOLERANCE, "max |logit diff| " + diff);
        }
    }

    @Test
    void allLinearRsloraLoadsAndReproducesPeftLogits() {
        try (Adapter a = AdapterLoader.load(PeftSamples.adapter("lora-all-linear-rslora"), base, manager)) {
            LoraModel lora = (LoraModel) a;
            assertTrue(lora.config().useRslora());
            assertEquals(LoraInit.GAUSSIAN, lora.config().initLoraWeights());
            assertNull(lora.layer("lm_head"));
            assertEquals(4 / Math.sqrt(2), lora.layer("decoder.block.1.layer.2.DenseReluDense.wo").scaling());
            // all-linear: 2 encoder blocks × 7 + 2 decoder blocks × 11 linear layers, lm_head excluded.
            assertEquals(2 * 7 + 2 * 11, lora.layers().size());
            assertKeysAndShapesAsInFile("lora-all-linear-rslora", a.trainableParameters());
            double diff = PeftSamples.maxAbsDiff(logitsWith(a), expectedLogits("lora-all-linear-rslora"));
            assertTrue(diff < LOGIT_TOLERANCE, "max |logit diff| " + diff);
        }
    }

    @Test
    void promptTuningLoadsAndReproducesPeftLogits() {
        try (Adapter a = AdapterLoader.load(PeftSamples.adapter("prompt-tuning"), base, manager)) {
            SoftPrompt p = assertInstanceOf(SoftPrompt.class, a);
            PromptTuningConfig c = p.config();
            assertEquals(3, c.numVirtualTokens());
            assertEquals(16, c.tokenDim());
            assertEquals(2, c.numTransformerSubmodules());
            assertEquals(4, c.numAttentionHeads());
            assertEquals(2, c.numLayers());
            assertEquals(PromptTuningInit.RANDOM, c.promptTuningInit());
            assertEquals(6 * 16, a.trainableParameterCount());
            assertKeysAndShapesAsInFile("prompt-tuning", a.trainableParameters());
            double diff = PeftSamples.maxAbsDiff(logitsWith(a), expectedLogits("prompt-tuning"));
            assertTrue(diff < LOGIT_TOLERANCE, "max |logit diff| " + diff);
        }
    }

    /** Our parameter map has the file's keys (same set), shapes and values. */
    private static void assertKeysAndShapesAsInFile(String sample, Map<String, NDArray> params) {
        try (SafetensorsReader f = SafetensorsReader.open(PeftSamples.adapter(sample).resolve(AdapterFolder.WEIGHTS))) {
            assertEquals(new java.util.TreeSet<>(f.tensors().keySet()), new java.util.TreeSet<>(params.keySet()));
            for (Map.Entry<String, NDArray> e : params.entrySet()) {
                assertArrayEquals(f.info(e.getKey()).shape(), e.getValue().getShape().getShape(), e.getKey());
                assertArrayEquals(f.readAsFloat32(e.getKey()), e.getValue().toFloatArray(), e.getKey());
            }
        }
    }
}
