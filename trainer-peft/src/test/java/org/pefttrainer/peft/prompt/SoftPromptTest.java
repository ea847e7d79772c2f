package org.pefttrainer.peft.prompt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.model.ForwardContext;
import org.pefttrainer.core.model.t5.T5Model;
import org.pefttrainer.peft.Gradients;
import org.pefttrainer.peft.PeftSamples;

class SoftPromptTest {
    private static final int D = 16;
    private static NDManager manager;
    private static T5Model base;
    private static float[] embedding;

    @BeforeAll
    static void load() {
        manager = NDManager.newBaseManager();
        base = PeftSamples.tinyT5(manager);
        embedding = base.weights().get("shared.weight").toFloatArray();
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    private static float[] row(float[] table, int r) {
        return Arrays.copyOfRange(table, r * D, (r + 1) * D);
    }

    @Test
    void encoderInputGetsRowsZeroToNMinusOneAndNOnesInTheMask() {
        try (SoftPrompt p = SoftPrompt.create(base, PromptTuningConfig.builder(3).build(), 1, null, manager);
                NDManager step = manager.newSubManager()) {
            float[] table = p.table().toFloatArray();
            assertEquals(6 * D, table.length); // 2N rows for an encoder-decoder model
            float[] emb = new float[2 * 4 * D];
            for (int i = 0; i < emb.length; i++) {
                emb[i] = i;
            }
            NDArray embeddings = step.create(emb, new Shape(2, 4, D));
            NDArray mask = step.create(new long[] {1, 1, 1, 1, 1, 1, 0, 0}, new Shape(2, 4));
            NDArray[] out = p.apply(embeddings, mask, ForwardContext.inference(step));
            assertEquals(new Shape(2, 7, D), out[0].getShape());
            float[] h = out[0].toFloatArray();
            for (int b = 0; b < 2; b++) {
                for (int t = 0; t < 7; t++) {
                    float[] got = Arrays.copyOfRange(h, (b * 7 + t) * D, (b * 7 + t + 1) * D);
                    float[] want = t < 3 ? row(table, t) : Arrays.copyOfRange(emb, (b * 4 + t - 3) * D, (b * 4 + t - 2) * D);
                    assertArrayEquals(want, got, "batch " + b + " position " + t);
                }
            }
            assertEquals(DataType.INT64, out[1].getDataType());
            assertArrayEquals(new long[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0}, out[1].toLongArray());
            assertSame(step, out[0].getManager());
            assertSame(step, out[1].getManager());
            NDArray[] noMask = p.apply(embeddings, null, ForwardContext.inference(step));
            long[] ones = new long[14];
            Arrays.fill(ones, 1);
            assertArrayEquals(ones, noMask[1].toLongArray()); // no mask: every position attended, as transformers does
        }
    }

    @Test
    void onlyRowsZeroToNMinusOneGetAGradient() {
        try (SoftPrompt p = SoftPrompt.create(base, PromptTuningConfig.builder(3).build(), 2, null, manager);
                NDManager step = manager.newSubManager()) {
            Gradients.backwardOnce(base, p, step);
            for (Map.Entry<String, NDArray> w : base.weights().arrays().entrySet()) {
                assertFalse(w.getValue().hasGradient(), w.getKey());
            }
            assertEquals(List.of(SoftPrompt.KEY), new ArrayList<>(p.trainableParameters().keySet()));
            float[] g = Gradients.of(p.table());
            for (int r = 0; r < 6; r++) {
                double norm = Gradients.norm(row(g, r));
                if (r < 3) {
                    assertTrue(norm > 0, "row " + r);
                } else {
                    assertEquals(0.0, norm, "row " + r + " is saved but unused, as in PEFT");
                }
            }
        }
    }

    @Test
    void sampleVocabCopiesEmbeddingRowsAtTheSampledIds() {
        try (SoftPrompt p = SoftPrompt.create(base, PromptTuningConfig.builder(4).init(PromptTuningInit.SAMPLE_VOCAB)
                .build(), 11, null, manager)) {
            int[] ids = PromptInitializer.sampleVocabIds(8, 96, 11);
            float[] table = p.table().toFloatArray();
            for (int r = 0; r < 8; r++) {
                assertArrayEquals(row(embedding, ids[r]), row(table, r), "row " + r);
            }
        }
    }

    @Test
    void textCopiesEmbeddingRowsOfTheTokenizedTextRepeated() {
        List<String> seen = new ArrayList<>();
        PromptTuningConfig c = PromptTuningConfig.builder(4).text("Summarize:", "google/flan-t5-small").build();
        try (SoftPrompt p = SoftPrompt.create(base, c, 0, text -> {
            seen.add(text);
            return new int[] {21, 9, 1}; // T5 appends </s> (id 1): the caller's tokenizer must include it
        }, manager)) {
            assertEquals(List.of("Summarize:"), seen);
            int[] ids = {21, 9, 1, 21, 9, 1, 21, 9};
            float[] table = p.table().toFloatArray();
            for (int r = 0; r < 8; r++) {
                assertArrayEquals(row(embedding, ids[r]), row(table, r), "row " + r);
            }
            assertEquals("Summarize:", p.config().promptTuningInitText());
        }
    }

    @Test
    void textInitErrors() {
        UserException e = assertThrows(UserException.class,
                () -> PromptTuningConfig.builder(4).text("x", null).build());
        assertEquals("prompt tuning config: prompt_tuning_init TEXT needs tokenizer_name_or_path", e.getMessage());
        PromptTuningConfig c = PromptTuningConfig.builder(2).text("x", "tok").build();
        e = assertThrows(UserException.class, () -> SoftPrompt.create(base, c, 0, t -> new int[] {5, 96}, manager));
        assertEquals("prompt tuning config: token id 96 is outside the embedding table (0..95)", e.getMessage());
    }

    @Test
    void hooksAreOnlyTheInputEmbeddingHook() {
        try (SoftPrompt p = SoftPrompt.create(base, PromptTuningConfig.builder(1).build(), 1, null, manager)) {
            assertNull(p.linearHook());
            assertSame(p, p.inputEmbeddingHook());
            assertEquals(2 * D, p.trainableParameterCount());
        }
    }
}
