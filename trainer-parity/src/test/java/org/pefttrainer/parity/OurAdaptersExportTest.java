package org.pefttrainer.parity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.pefttrainer.peft.load.AdapterLoader;
import org.pefttrainer.core.io.AtomicFiles;
import org.pefttrainer.core.io.safetensors.DType;
import org.pefttrainer.core.io.safetensors.SafetensorsWriter;
import org.pefttrainer.core.model.ForwardContext;
import org.pefttrainer.core.model.t5.T5Model;
import org.pefttrainer.core.train.LrSchedule;
import org.pefttrainer.core.train.TrainBatch;
import org.pefttrainer.core.train.TrainProgress;
import org.pefttrainer.core.train.Trainable;
import org.pefttrainer.core.train.Trainer;
import org.pefttrainer.core.train.TrainerSettings;
import org.pefttrainer.peft.adapter.Adapter;
import org.pefttrainer.peft.lora.LoraConfig;
import org.pefttrainer.peft.lora.LoraModel;
import org.pefttrainer.peft.lora.TargetModules;
import org.pefttrainer.peft.prompt.PromptTuningConfig;
import org.pefttrainer.peft.prompt.SoftPrompt;

/**
 * The other direction of parity: adapters that OUR training loop trained and saved, for PEFT to load. Trains a LoRA
 * (q, v, wo; rsLoRA) and a soft prompt for 30 steps on a fixture checkpoint (dropout on), saves them in PEFT format
 * under trainer-parity/target/ours-for-peft/, and writes our eval-mode logits for inputs/batch.json next to them.
 * tools/reference/check_peft_loads_ours.py then loads each folder with PeftModel.from_pretrained and compares
 * (see docs/parity.md). Here: the saved folder reloads into our model with identical logits, and training moved
 * the adapter (B is no longer zero).
 */
class OurAdaptersExportTest {
    static final Path OUT = Path.of("target", "ours-for-peft");

    private interface AdapterFactory {
        Adapter create(T5Model model, NDManager manager);
    }

    @Test
    void loraTrainedByUsReloadsIdentically() throws Exception {
        export("lora", (model, m) -> LoraModel.create(model, LoraConfig.builder().r(4).loraAlpha(8).loraDropout(0.1)
                .useRslora(true).targetModules(TargetModules.names("q", "v", "wo"))
                .baseModelNameOrPath("t5-v1_1-gated").build(), 7, m));
    }

    @Test
    void promptTrainedByUsReloadsIdentically() throws Exception {
        export("prompt", (model, m) -> SoftPrompt.create(model, PromptTuningConfig.builder(5)
                .baseModelNameOrPath("t5-v1_1-gated").build(), 7, null, m));
    }

    private void export(String name, AdapterFactory factory) throws Exception {
        Inputs in = Inputs.read(Fixtures.path("inputs/batch.json"));
        Path dir = OUT.resolve(name);
        AtomicFiles.deleteRecursively(dir);
        Files.createDirectories(OUT);
        try (NDManager m = NDManager.newBaseManager()) {
            T5Model model = Fixtures.load("t5-v1_1-gated", m.newSubManager(), null);
            Adapter adapter = factory.create(model, m);
            Trainable trainable = new org.pefttrainer.recipes.AdapterTrainable(adapter, name);
            TrainBatch batch = new TrainBatch(in.inputIds(), in.attentionMask(), in.decoderInputIds(), in.labels(),
                    List.of());
            int steps = 30;
            TrainerSettings s = new TrainerSettings(1, steps, 1, 1.0, 5e-3, 0.0, 0.9, 0.999, 1e-8,
                    LrSchedule.Kind.CONSTANT, 0, 0, 5e-3, 1, 1000, false, 0, TrainerSettings.NonfinitePolicy.STOP, 0,
                    null, 0);
            Path run = Files.createTempDirectory("ours-for-peft");
            Trainer.Result r = new Trainer(s, model, trainable, e -> Collections.nCopies(steps, batch), run, List.of(),
                    TrainProgress.NONE, null).train(false);
            assertEquals(Trainer.Outcome.COMPLETED, r.outcome());
            adapter.save(dir);
            float[] ours = logits(model, adapter, in, m);
            // Reload what we saved: the same logits, bit for bit.
            try (Adapter reloaded = AdapterLoader.load(dir, model, m)) {
                float[] again = logits(model, reloaded, in, m);
                assertTrue(java.util.Arrays.equals(ours, again), "reloaded adapter changes the logits");
            }
            long[] shape = {in.inputIds().length, in.labels()[0].length, model.vocabSize()};
            new SafetensorsWriter().addFloats("logits", DType.F32, shape, () -> FloatBuffer.wrap(ours))
                    .write(OUT.resolve(name + "-logits.safetensors"));
            AtomicFiles.deleteRecursively(run);
        }
    }

    static final Path CAUSAL = Path.of("..", "trainer-core", "src", "test", "resources", "reference", "causal");

    @Test
    void causalLoraTrainedByUsReloadsIdentically() throws Exception {
        exportCausal("causal-llama-lora", "llama-gqa", (model, m) -> LoraModel.create(model, LoraConfig.builder().r(4)
                .loraAlpha(8).loraDropout(0.0).useRslora(true).targetModules(TargetModules.names("q_proj", "v_proj",
                        "down_proj")).baseModelNameOrPath("llama-gqa").build(), 7, m));
    }

    @Test
    void gpt2LoraTrainedByUsReloadsIdentically() throws Exception {
        exportCausal("causal-gpt2-lora", "gpt2", (model, m) -> LoraModel.create(model, LoraConfig.builder().r(4)
                .loraAlpha(8).loraDropout(0.0).targetModules(TargetModules.names("c_attn", "c_proj"))
                .baseModelNameOrPath("gpt2").build(), 7, m));
    }

    /**
     * Trained here with DoRA, rank/alpha patterns and a trained copy of lm_head: PEFT must load the magnitude vectors,
     * the per-module ranks and the copy, and give our logits.
     */
    @Test
    void llamaDoraWithPatternsAndModulesToSaveTrainedByUsReloadsIdentically() throws Exception {
        exportCausal("causal-llama-dora", "llama-gqa", (model, m) -> LoraModel.create(model, LoraConfig.builder().r(4)
                .loraAlpha(8).loraDropout(0.0).targetModules(TargetModules.names("q_proj", "v_proj", "down_proj"))
                .useDora(true).rankPattern(java.util.Map.of("down_proj", 2)).alphaPattern(java.util.Map.of("v_proj",
                        4.0)).modulesToSave(List.of("lm_head")).baseModelNameOrPath("llama-gqa").build(), 7, m));
    }

    /**
     * Trained here with every bias (LayerNorms too), LoRA on the input embedding (named in full, so that
     * layers_to_transform does not filter it) and on layer 1's c_attn and c_fc only.
     */
    @Test
    void gpt2BiasEmbeddingAndLayerSelectionTrainedByUsReloadsIdentically() throws Exception {
        exportCausal("causal-gpt2-variants", "gpt2", (model, m) -> LoraModel.create(model, LoraConfig.builder().r(4)
                .loraAlpha(8).loraDropout(0.0).targetModules(TargetModules.names("transformer.wte", "c_attn", "c_fc"))
                .layersToTransform(List.of(1)).layersPattern(List.of("h")).bias("all").initLoraWeights(
                        org.pefttrainer.peft.lora.LoraInit.GAUSSIAN).baseModelNameOrPath("gpt2").build(), 7, m));
    }

    @Test
    void causalPromptTrainedByUsReloadsIdentically() throws Exception {
        exportCausal("causal-llama-prompt", "llama-gqa", (model, m) -> SoftPrompt.create(model,
                PromptTuningConfig.builder(3).baseModelNameOrPath("llama-gqa").build(), 7, null, m));
    }

    private interface CausalFactory {
        Adapter create(org.pefttrainer.core.model.CausalLM model, NDManager manager);
    }

    /**
     * As {@link #export} for a decoder-only fixture base: 30 steps of our causal-LM training (labels -100 over the
     * first 4 tokens) on an unpadded 2 × 10 batch, then the adapter, our logits (virtual-token positions included)
     * and the batch (inputs.json, with labels as transformers takes them) under target/ours-for-peft/NAME.
     */
    private void exportCausal(String name, String base, CausalFactory factory) throws Exception {
        Path dir = OUT.resolve(name);
        AtomicFiles.deleteRecursively(dir);
        Files.createDirectories(OUT);
        int rows = 2;
        int width = 10;
        long[][] ids = new long[rows][width];
        long[][] mask = new long[rows][width];
        long[][] hfLabels = new long[rows][width];
        long[][] shifted = new long[rows][width];
        java.util.Random rnd = new java.util.Random(3);
        for (int r = 0; r < rows; r++) {
            for (int t = 0; t < width; t++) {
                ids[r][t] = 3 + rnd.nextInt(61);
                mask[r][t] = 1;
            }
            for (int t = 0; t < width; t++) {
                hfLabels[r][t] = t < 4 ? -100 : ids[r][t];
                shifted[r][t] = t + 1 < width && t + 1 >= 4 ? ids[r][t + 1] : -100;
            }
        }
        try (NDManager m = NDManager.newBaseManager()) {
            var model = (org.pefttrainer.core.model.CausalLM) org.pefttrainer.core.model.registry.Architectures.load(
                    org.pefttrainer.core.io.hf.HfModelFolder.open(CAUSAL.resolve(base)), m.newSubManager());
            Adapter adapter = factory.create(model, m);
            Trainable trainable = new org.pefttrainer.recipes.AdapterTrainable(adapter, name);
            TrainBatch batch = new TrainBatch(ids, mask, null, shifted, List.of());
            int steps = 30;
            TrainerSettings s = new TrainerSettings(1, steps, 1, 1.0, 1e-2, 0.0, 0.9, 0.999, 1e-8,
                    LrSchedule.Kind.CONSTANT, 0, 0, 1e-2, 1, 1000, false, 0, TrainerSettings.NonfinitePolicy.STOP, 0,
                    null, 0);
            Path run = Files.createTempDirectory("ours-for-peft");
            Trainer.Result r = new Trainer(s, model, trainable, e -> Collections.nCopies(steps, batch), run, List.of(),
                    TrainProgress.NONE, null).train(false);
            assertEquals(Trainer.Outcome.COMPLETED, r.outcome());
            if (adapter instanceof LoraModel lora) {
                // the trainer must run with the replaced parameters (modules_to_save, biases), not only LoRA's deltas
                lora.overrides().forEach((param, trained) -> assertFalse(java.util.Arrays.equals(
                        model.weights().get(param).toFloatArray(), trained.toFloatArray()), param + " did not train"));
            }
            adapter.save(dir);
            float[] ours;
            long[] shape;
            try (NDManager sm = m.newSubManager()) {
                NDArray out = model.forward(adapter.attach(ForwardContext.inference(sm)), matrix(sm, ids),
                        matrix(sm, mask), null, null);
                shape = out.getShape().getShape();
                ours = out.toFloatArray();
            }
            try (Adapter reloaded = AdapterLoader.load(dir, model, m); NDManager sm = m.newSubManager()) {
                float[] again = model.forward(reloaded.attach(ForwardContext.inference(sm)), matrix(sm, ids),
                        matrix(sm, mask), null, null).toFloatArray();
                assertTrue(java.util.Arrays.equals(ours, again), "reloaded adapter changes the logits");
            }
            try (NDManager sm = m.newSubManager()) {
                float[] plain = model.forward(ForwardContext.inference(sm), matrix(sm, ids), matrix(sm, mask), null,
                        null).toFloatArray();
                int offset = ours.length - plain.length; // a soft prompt's positions come first
                double moved = 0;
                for (int i = 0; i < plain.length; i++) {
                    moved = Math.max(moved, Math.abs(plain[i] - ours[offset + i]));
                }
                assertTrue(moved > 1e-2, "training moved the adapter: " + moved);
            }
            new SafetensorsWriter().addFloats("logits", DType.F32, shape, () -> FloatBuffer.wrap(ours))
                    .write(OUT.resolve(name + "-logits.safetensors"));
            com.fasterxml.jackson.databind.node.ObjectNode json = org.pefttrainer.core.io.Json.MAPPER
                    .createObjectNode();
            json.set("input_ids", org.pefttrainer.core.io.Json.MAPPER.valueToTree(ids));
            json.set("attention_mask", org.pefttrainer.core.io.Json.MAPPER.valueToTree(mask));
            json.set("labels", org.pefttrainer.core.io.Json.MAPPER.valueToTree(hfLabels));
            org.pefttrainer.core.io.Json.write(OUT.resolve(name + "-inputs.json"), json);
            AtomicFiles.deleteRecursively(run);
        }
    }

    private static NDArray matrix(NDManager m, long[][] rows) {
        long[] flat = new long[rows.length * rows[0].length];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(rows[r], 0, flat, r * rows[0].length, rows[0].length);
        }
        return m.create(flat, new ai.djl.ndarray.types.Shape(rows.length, rows[0].length));
    }

    private static float[] logits(T5Model model, Adapter adapter, Inputs in, NDManager parent) {
        try (NDManager m = parent.newSubManager()) {
            ForwardContext ctx = adapter.attach(ForwardContext.inference(m));
            return model.forward(ctx, in.inputIds(m), in.attentionMask(m), in.decoderInputIds(m)).toFloatArray();
        }
    }
}
