package org.pefttrainer.peft.lora;

import static org.pefttrainer.peft.CausalFixtures.CASES;
import static org.pefttrainer.peft.CausalFixtures.matrix;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pefttrainer.peft.load.AdapterLoader;
import org.pefttrainer.core.io.Json;
import org.pefttrainer.core.io.hf.HfModelFolder;
import org.pefttrainer.core.io.safetensors.SafetensorsReader;
import org.pefttrainer.core.model.registry.Architectures;
import org.pefttrainer.core.model.CausalLM;
import org.pefttrainer.core.model.ForwardContext;
import org.pefttrainer.peft.adapter.Adapter;

/**
 * LoRA adapters that PEFT 0.13.2 made on decoder-only bases (tools/reference/make_causal_fixtures.py): Llama with
 * q_proj/v_proj, GPT-2 with c_attn on Conv1D (fan_in_fan_out = true). Loaded here, base + adapter give PEFT's
 * logits.
 */
class CausalLoraParityTest {

    @ParameterizedTest
    @ValueSource(strings = {"llama-gqa", "gpt2"})
    void peftsAdapterGivesPeftsLogits(String base) {
        Path dir = CASES.resolve(base);
        JsonNode in = Json.read(dir.resolve("inputs.json"));
        try (NDManager m = NDManager.newBaseManager();
                SafetensorsReader out = SafetensorsReader.open(dir.resolve("peft-lora/expected_logits.safetensors"))) {
            CausalLM model = (CausalLM) Architectures.load(HfModelFolder.open(dir), m);
            try (Adapter a = AdapterLoader.load(dir.resolve("peft-lora"), model, m)) {
                ForwardContext ctx = a.attach(ForwardContext.inference(m));
                NDArray logits = model.forward(ctx, matrix(m, in.get("input_ids")), matrix(m, in.get("attention_mask")),
                        matrix(m, in.get("position_ids")), null);
                float[] ours = logits.toFloatArray();
                float[] ref = out.readAsFloat32("logits");
                float[] plain = model.forward(ForwardContext.inference(m), matrix(m, in.get("input_ids")),
                        matrix(m, in.get("attention_mask")), matrix(m, in.get("position_ids")), null).toFloatArray();
                long[] mask = matrix(m, in.get("attention_mask")).toLongArray();
                int vocab = model.vocabSize();
                double maxRef = 0;
                double maxDiff = 0;
                double adapterEffect = 0;
                for (int i = 0; i < ref.length; i++) {
                    if (mask[i / vocab] == 0) {
                        continue;
                    }
                    maxRef = Math.max(maxRef, Math.abs(ref[i]));
                    maxDiff = Math.max(maxDiff, Math.abs(ref[i] - ours[i]));
                    adapterEffect = Math.max(adapterEffect, Math.abs(ref[i] - plain[i]));
                }
                assertEquals(ref.length, ours.length);
                assertTrue(adapterEffect > 0.1, "the adapter changes the logits: " + adapterEffect);
                assertTrue(maxDiff <= 1e-5 * maxRef, base + ": max |diff| " + maxDiff + " of " + maxRef);
            }
        }
    }

    /**
     * The causal-LM loss with masked prompt labels and its LoRA gradients equal PEFT's (labels pre-shifted here as
     * the causal collator stores them; transformers shifts inside the model).
     */
    @ParameterizedTest
    @ValueSource(strings = {"llama-gqa", "gpt2"})
    void lossAndLoraGradientsEqualPefts(String base) {
        Path dir = CASES.resolve(base);
        JsonNode in = Json.read(dir.resolve("inputs.json"));
        JsonNode hfLabels = Json.read(dir.resolve("peft-lora/labels.json")).get("labels");
        try (NDManager m = NDManager.newBaseManager();
                SafetensorsReader ref = SafetensorsReader.open(dir.resolve("peft-lora/grads.safetensors"))) {
            CausalLM model = (CausalLM) Architectures.load(HfModelFolder.open(dir), m);
            LoraModel lora = (LoraModel) AdapterLoader.load(dir.resolve("peft-lora"), model, m);
            NDArray shifted = org.pefttrainer.peft.CausalFixtures.shiftedLabels(m, hfLabels);
            float loss;
            try (ai.djl.training.GradientCollector gc = ai.djl.engine.Engine.getInstance().newGradientCollector()) {
                ForwardContext ctx = new ForwardContext(m, true, lora.linearHook(), null);
                NDArray l;
                if (base.equals("gpt2")) {
                    // the fixture's left-padded row uses generate()'s position ids (GPT-2's positions are absolute)
                    NDArray logits = model.forward(ctx, matrix(m, in.get("input_ids")),
                            matrix(m, in.get("attention_mask")), matrix(m, in.get("position_ids")), null);
                    l = org.pefttrainer.core.tensor.Ops.crossEntropy(logits, shifted);
                } else {
                    // the trainer's loss (positions 0..T-1, labelled positions projected only): RoPE sees relative
                    // positions alone, so the left-padded row's shifted positions change nothing
                    l = org.pefttrainer.core.task.TaskForward.loss(model, ctx, matrix(m, in.get("input_ids")),
                            matrix(m, in.get("attention_mask")), null, shifted);
                }
                loss = l.getFloat();
                gc.backward(l);
            }
            assertEquals(ref.readAsFloat32("loss")[0], loss, 1e-5, "loss");
            int checked = 0;
            for (var e : lora.trainableParameters().entrySet()) {
                float[] want = ref.readAsFloat32(e.getKey());
                float[] got = e.getValue().getGradient().toFloatArray();
                double[] ds = org.pefttrainer.peft.Gradients.maxDiffAndScale(want, got);
                double max = ds[0];
                double scale = ds[1];
                assertTrue(scale > 0 && max <= 1e-4 * scale, e.getKey() + ": max |diff| " + max + " of " + scale);
                checked++;
            }
            assertEquals(ref.tensors().size() - 1, checked, "every LoRA matrix has a gradient");
        }
    }
}
