package org.pefttrainer.parity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.pefttrainer.peft.load.AdapterLoader;
import org.pefttrainer.core.data.tokenize.HfTokenizer;
import org.pefttrainer.core.io.hf.CheckpointReader;
import org.pefttrainer.core.io.hf.HfModelFolder;
import org.pefttrainer.core.model.t5.T5Model;
import org.pefttrainer.peft.adapter.Adapter;
import org.pefttrainer.peft.prompt.PromptTuningConfig;
import org.pefttrainer.peft.prompt.PromptTuningInit;
import org.pefttrainer.peft.prompt.SoftPrompt;

/**
 * PEFT-written prompt-tuning adapters (RANDOM and TEXT init): a train-mode pass with dropout 0 gives PEFT's logits
 * and loss, and the gradient of the [2N, d] prompt_embeddings table equals torch's, rows N..2N-1 (the half a seq2seq
 * model never uses) exactly zero. For TEXT init, a new soft prompt made from the checkpoint's tokenizer.json starts
 * from the same rows as PEFT's.
 */
class PromptTuningParityTest extends ParityTestBase {
    PromptTuningParityTest() {
        super("prompt_tuning");
    }

    @TestFactory
    Stream<DynamicTest> promptTuningMatchesPeft() {
        return Fixtures.tests(Fixtures.PROMPT_TUNING, this::checkForwardAndGradient);
    }

    @TestFactory
    Stream<DynamicTest> textInitMatchesPeft() {
        return Fixtures.cases(Fixtures.PROMPT_TUNING).stream()
                .filter(c -> c.get("prompt_tuning_init").asText().equals("TEXT"))
                .map(c -> DynamicTest.dynamicTest(Fixtures.id(c) + " TEXT init", () -> checkTextInit(c)));
    }

    private void checkForwardAndGradient(JsonNode kase) {
        String id = Fixtures.id(kase);
        assertEquals("train", kase.get("mode").asText(), id);
        assertEquals(0.0, kase.get("dropout_rate").asDouble(), id + ": gradients need dropout 0");
        int n = kase.get("num_virtual_tokens").asInt();
        long[] tableShape = Fixtures.longs(kase.get("prompt_embeddings_shape"));
        Map<String, RefTensor> outputs = Fixtures.tensors(kase, "outputs");
        Map<String, RefTensor> grads = Fixtures.tensors(kase, "grads");
        try (NDManager m = manager.newSubManager()) {
            T5Model model = Fixtures.loadModel(kase, m);
            try (Adapter adapter = AdapterLoader.load(Fixtures.path(kase, "adapter_dir"), model, m)) {
                SoftPrompt prompt = assertInstanceOf(SoftPrompt.class, adapter, id);
                assertEquals(n, prompt.numVirtualTokens(), id + " num_virtual_tokens");
                assertArrayEquals(tableShape, prompt.table().getShape().getShape(), id + " table shape");
                assertEquals(grads.keySet(), adapter.trainableParameters().keySet(), id + " trainable names");

                TrainStep step = TrainStep.run(model, adapter, Fixtures.inputs(kase), m);
                step.compareOutputs(id, kase, outputs, report);
                Map<String, float[]> ours = TrainStep.gradients(adapter.trainableParameters());
                report.checkAll(id, "d loss/d prompt_embeddings", grads, ours, Tolerance.FP32_GRADIENTS);

                RefTensor ref = grads.get(SoftPrompt.KEY);
                int rows = (int) tableShape[0];
                float[] unusedOurs = Arrays.copyOfRange(ours.get(SoftPrompt.KEY), n * (int) tableShape[1],
                        rows * (int) tableShape[1]);
                assertArrayEquals(new float[unusedOurs.length], unusedOurs, id + ": rows N..2N-1 get no gradient");
                assertArrayEquals(new float[unusedOurs.length], ref.rows(n, rows), id + ": reference rows N..2N-1");
                report.recordExact(id, "gradient rows " + n + ".." + (rows - 1) + " = 0");
                for (Map.Entry<String, NDArray> w : model.weights().arrays().entrySet()) {
                    assertFalse(w.getValue().hasGradient(), id + ": base weight " + w.getKey() + " must stay frozen");
                }
            }
        }
    }

    private void checkTextInit(JsonNode kase) {
        String id = Fixtures.id(kase);
        int n = kase.get("num_virtual_tokens").asInt();
        String text = kase.get("init_text").asText();
        Path tokenizerDir = Fixtures.path(kase, "tokenizer_name_or_path");
        int[] rowIds = Fixtures.ints(kase.get("init_rows_token_ids"));
        try (HfTokenizer tokenizer = HfTokenizer.load(tokenizerDir); NDManager m = manager.newSubManager()) {
            assertArrayEquals(Fixtures.ints(kase.get("init_token_ids")), tokenizer.encode(text),
                    id + ": our tokenizer's ids for '" + text + "'");
            T5Model model = Fixtures.loadModel(kase, m);
            PromptTuningConfig config = PromptTuningConfig.builder(n).text(text, tokenizerDir.toString()).build();
            assertEquals(PromptTuningInit.TEXT, config.promptTuningInit());
            try (SoftPrompt prompt = SoftPrompt.create(model, config, 0, tokenizer::encode, m)) {
                float[] ours = prompt.table().toFloatArray();
                int d = model.hiddenSize();
                assertEquals(rowIds.length * d, ours.length, id + " table size");
                float[] shared = sharedWeight(kase.get("checkpoint").asText());
                for (int r = 0; r < rowIds.length; r++) {
                    assertArrayEquals(Arrays.copyOfRange(shared, rowIds[r] * d, (rowIds[r] + 1) * d),
                            Arrays.copyOfRange(ours, r * d, (r + 1) * d),
                            id + ": row " + r + " = shared.weight row " + rowIds[r]);
                }
                RefTensor peft = Fixtures.tensors(Fixtures.path(kase, "adapter_dir").resolve("adapter_model.safetensors"))
                        .get(SoftPrompt.KEY);
                assertArrayEquals(peft.values(), ours, id + ": PEFT's saved initial table");
                report.recordExact(id, "TEXT init ids and table rows " + Arrays.toString(rowIds));
            }
        }
    }

    /** shared.weight as stored in the checkpoint files (not through our model loader). */
    private static float[] sharedWeight(String checkpoint) {
        try (CheckpointReader ckpt = HfModelFolder.open(Fixtures.checkpointDir(checkpoint)).openWeights()) {
            return ckpt.readAsFloat32("shared.weight");
        }
    }
}
