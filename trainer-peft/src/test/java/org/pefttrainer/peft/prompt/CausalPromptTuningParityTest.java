package org.pefttrainer.peft.prompt;

import static org.pefttrainer.peft.CausalFixtures.CASES;
import static org.pefttrainer.peft.CausalFixtures.matrix;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pefttrainer.peft.load.AdapterLoader;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.generate.GenerationConfig;
import org.pefttrainer.core.generate.TextGenerator;
import org.pefttrainer.core.io.Json;
import org.pefttrainer.core.io.hf.HfModelFolder;
import org.pefttrainer.core.io.safetensors.SafetensorsReader;
import org.pefttrainer.core.model.registry.Architectures;
import org.pefttrainer.core.model.CausalLM;
import org.pefttrainer.core.model.ForwardContext;
import org.pefttrainer.core.task.TaskForward;
import org.pefttrainer.peft.adapter.Adapter;

/**
 * Prompt tuning for CAUSAL_LM against PEFT 0.13.2 (tools/reference/make_causal_fixtures.py, peft-prompt of Llama and
 * GPT-2): PEFT's adapter loads here; a right-padded batch gives PEFT's logits (virtual-token positions included),
 * its loss with labels -100 over the prompt and the padding, and its prompt gradient; greedy generation of a
 * left-padded batch equals PEFT's greedy loop of forward passes over each prompt alone; an adapter made here writes
 * the adapter_config.json PEFT writes.
 */
class CausalPromptTuningParityTest {

    @ParameterizedTest
    @ValueSource(strings = {"llama-gqa", "gpt2"})
    void logitsLossAndPromptGradientEqualPefts(String base) {
        Path dir = CASES.resolve(base);
        JsonNode in = Json.read(dir.resolve("peft-prompt/inputs.json"));
        try (NDManager m = NDManager.newBaseManager();
                SafetensorsReader ref = SafetensorsReader.open(dir.resolve("peft-prompt/expected.safetensors"))) {
            CausalLM model = (CausalLM) Architectures.load(HfModelFolder.open(dir), m);
            SoftPrompt prompt = assertInstanceOf(SoftPrompt.class, AdapterLoader.load(dir.resolve("peft-prompt"), model, m));
            assertEquals(4, prompt.numVirtualTokens());
            assertArrayEquals(new long[] {4, model.hiddenSize()}, prompt.table().getShape().getShape());
            NDArray ids = matrix(m, in.get("input_ids"));
            NDArray mask = matrix(m, in.get("attention_mask"));
            JsonNode labels = in.get("labels");
            int rows = labels.size();
            int width = labels.get(0).size();
            NDArray shifted = org.pefttrainer.peft.CausalFixtures.shiftedLabels(m, labels);
            float[] logits;
            float loss;
            try (ai.djl.training.GradientCollector gc = ai.djl.engine.Engine.getInstance().newGradientCollector()) {
                ForwardContext ctx = prompt.attach(new ForwardContext(m, true, null, null));
                NDArray full = model.forward(ctx, ids, mask, null, null);
                assertArrayEquals(new long[] {rows, 4 + width, model.vocabSize()}, full.getShape().getShape());
                logits = full.toFloatArray();
                // the trainer's loss: only the labelled positions are projected to the vocabulary
                NDArray l = TaskForward.loss(model, ctx, ids, mask, null, shifted);
                loss = l.getFloat();
                gc.backward(l);
            }
            // every real position (virtual tokens included); PEFT counts positions over the padding at the end too,
            // where no label is
            float[] want = ref.readAsFloat32("logits");
            long[] real = mask.toLongArray();
            int vocab = model.vocabSize();
            double maxDiff = 0;
            double scale = 0;
            for (int i = 0; i < want.length; i++) {
                int pos = i / vocab % (4 + width);
                int row = i / vocab / (4 + width);
                if (pos >= 4 && real[row * width + pos - 4] == 0) {
                    continue;
                }
                maxDiff = Math.max(maxDiff, Math.abs(want[i] - logits[i]));
                scale = Math.max(scale, Math.abs(want[i]));
            }
            assertTrue(maxDiff <= 1e-5 * scale, base + ": logits max |diff| " + maxDiff + " of " + scale);
            assertEquals(ref.readAsFloat32("loss")[0], loss, 1e-5, "loss");
            float[] wantGrad = ref.readAsFloat32("prompt_embeddings_grad");
            float[] grad = prompt.table().getGradient().toFloatArray();
            double gd = 0;
            double gs = 0;
            for (int i = 0; i < wantGrad.length; i++) {
                gd = Math.max(gd, Math.abs(wantGrad[i] - grad[i]));
                gs = Math.max(gs, Math.abs(wantGrad[i]));
            }
            assertTrue(gs > 0 && gd <= 1e-4 * gs, base + ": gradient max |diff| " + gd + " of " + gs);
            prompt.close();
        }
    }

    /** Our left-padded batch, with and without the KV cache, gives each prompt what PEFT gives it alone. */
    @ParameterizedTest
    @ValueSource(strings = {"llama-gqa", "gpt2"})
    void greedyGenerationEqualsPeftsForwardLoop(String base) {
        Path dir = CASES.resolve(base);
        JsonNode in = Json.read(dir.resolve("peft-prompt/inputs.json"));
        int newTokens = in.get("greedy_new_tokens").asInt();
        try (NDManager m = NDManager.newBaseManager()) {
            CausalLM model = (CausalLM) Architectures.load(HfModelFolder.open(dir), m);
            try (Adapter prompt = AdapterLoader.load(dir.resolve("peft-prompt"), model, m)) {
                List<long[]> prompts = new ArrayList<>();
                List<long[]> want = new ArrayList<>();
                for (JsonNode g : in.get("greedy")) {
                    long[] seq = longs(g);
                    prompts.add(Arrays.copyOf(seq, seq.length - newTokens));
                    want.add(Arrays.copyOfRange(seq, seq.length - newTokens, seq.length));
                }
                assertTrue(prompts.get(0).length != prompts.get(1).length, "the batch needs left padding");
                for (boolean cache : new boolean[] {true, false}) {
                    var r = TextGenerator.of(model).generate(prompt.attach(ForwardContext.inference(m)), prompts,
                            GenerationConfig.builder().maxNewTokens(newTokens).useCache(cache).build());
                    for (int row = 0; row < prompts.size(); row++) {
                        long[] expect = cutAtEos(want.get(row), model.eosTokenId());
                        assertArrayEquals(expect, r.best(row).tokens(), base + " cache=" + cache + " row " + row);
                    }
                }
                // the prompt matters: the base alone continues differently
                var plain = TextGenerator.of(model).generate(ForwardContext.inference(m), prompts,
                        GenerationConfig.builder().maxNewTokens(newTokens).build());
                assertTrue(!Arrays.equals(plain.best(0).tokens(), cutAtEos(want.get(0), model.eosTokenId()))
                        || !Arrays.equals(plain.best(1).tokens(), cutAtEos(want.get(1), model.eosTokenId())));
            }
        }
    }

    /** A prompt made here on a decoder-only base: one table of N rows and PEFT's adapter_config.json. */
    @Test
    void aNewPromptOnACausalBaseWritesPeftsConfig(@TempDir Path tmp) throws Exception {
        Path dir = CASES.resolve("llama-gqa");
        try (NDManager m = NDManager.newBaseManager()) {
            CausalLM model = (CausalLM) Architectures.load(HfModelFolder.open(dir), m);
            PromptTuningConfig c = PromptTuningConfig.builder(4).baseModelNameOrPath("llama-gqa").build();
            try (SoftPrompt p = SoftPrompt.create(model, c, 1, null, m)) {
                assertArrayEquals(new long[] {4, 32}, p.table().getShape().getShape());
                ObjectNode ours = p.config().toJson();
                ObjectNode peft = Json.readObject(dir.resolve("peft-prompt/adapter_config.json"));
                assertEquals(peft, ours);
                p.save(tmp.resolve("ours"));
                try (Adapter back = AdapterLoader.load(tmp.resolve("ours"), model, m)) {
                    assertArrayEquals(p.table().toFloatArray(), ((SoftPrompt) back).table().toFloatArray());
                }
            }
            // TEXT init: the rows of the embedding table for the text's ids (special tokens as the tokenizer adds
            // them), repeated up to N as PEFT does
            PromptTuningConfig text = PromptTuningConfig.builder(5).text("hi there", "llama-gqa").build();
            try (SoftPrompt p = SoftPrompt.create(model, text, 1, s -> new int[] {1, 7, 9}, m)) {
                float[] emb = model.weights().get("model.embed_tokens.weight").toFloatArray();
                float[] got = p.table().toFloatArray();
                int[] rows = {1, 7, 9, 1, 7};
                for (int i = 0; i < 5; i++) {
                    assertArrayEquals(Arrays.copyOfRange(emb, rows[i] * 32, rows[i] * 32 + 32),
                            Arrays.copyOfRange(got, i * 32, i * 32 + 32), "row " + i);
                }
            }
        }
    }

    /** A seq2seq prompt on a decoder-only base (or the reverse) is a one-line error naming task_type. */
    @Test
    void aPromptForTheOtherTaskTypeIsRefused(@TempDir Path tmp) throws Exception {
        Path dir = CASES.resolve("llama-gqa");
        Path copy = Files.createDirectories(tmp.resolve("seq2seq-prompt"));
        for (String f : new String[] {"adapter_config.json", "adapter_model.safetensors"}) {
            Files.copy(dir.resolve("peft-prompt").resolve(f), copy.resolve(f));
        }
        ObjectNode c = Json.readObject(copy.resolve("adapter_config.json"));
        c.put("task_type", "SEQ_2_SEQ_LM");
        Json.write(copy.resolve("adapter_config.json"), c);
        try (NDManager m = NDManager.newBaseManager()) {
            CausalLM model = (CausalLM) Architectures.load(HfModelFolder.open(dir), m);
            UserException e = assertThrows(UserException.class, () -> AdapterLoader.load(copy, model, m));
            assertTrue(e.getMessage().contains("task_type") && e.getMessage().contains("CAUSAL_LM")
                    && !e.getMessage().contains("\n"), e.getMessage());
        }
    }

    static long[] cutAtEos(long[] tokens, long eos) {
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i] == eos) {
                return Arrays.copyOf(tokens, i + 1);
            }
        }
        return tokens;
    }

    static long[] longs(JsonNode row) {
        long[] v = new long[row.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = row.get(i).asLong();
        }
        return v;
    }
}
