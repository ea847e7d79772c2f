package org.pefttrainer.parity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.pefttrainer.peft.load.AdapterLoader;
import org.pefttrainer.core.generate.GeneratedSequence;
import org.pefttrainer.core.generate.GenerationConfig;
import org.pefttrainer.core.generate.GenerationConfig.EarlyStopping;
import org.pefttrainer.core.generate.GenerationResult;
import org.pefttrainer.core.generate.Generator;
import org.pefttrainer.core.model.ForwardContext;
import org.pefttrainer.core.model.t5.T5Model;
import org.pefttrainer.peft.adapter.Adapter;

/**
 * transformers 4.33.2's generate() (greedy and beam search) on the base models, with a LoRA adapter and with a
 * prompt-tuning adapter: our Generator produces the same ids, and beam search the same sequences_scores to 1e-4.
 */
class GenerationParityTest extends ParityTestBase {
    /** Beam scores are sums of fp32 log-probabilities over up to 12 steps, divided by a length power. */
    private static final Tolerance BEAM_SCORE = Tolerance.absolute(1e-4);

    @org.junit.jupiter.api.io.TempDir static java.nio.file.Path tmp;

    GenerationParityTest() {
        super("generate");
    }

    @TestFactory
    Stream<DynamicTest> generationMatchesTransformers() {
        return Fixtures.tests(Fixtures.GENERATE, this::check);
    }

    /**
     * {@code generate(**inputs)} in transformers takes its settings from the model folder's generation_config.json.
     * With the case's settings written there and no generation key set in the config (base.conf alone, as
     * {@code peft generate --model DIR} runs), our decoding layers must give transformers' ids.
     */
    @TestFactory
    Stream<DynamicTest> settingsFromTheFoldersGenerationConfigMatchTransformers() {
        return Fixtures.tests(Fixtures.GENERATE, kase -> {
            if (!kase.get("adapter_dir").isNull()) {
                return;
            }
            String id = Fixtures.id(kase);
            java.nio.file.Path folder = folderWithGenerationConfig(kase);
            GenerationConfig decoding = org.pefttrainer.core.generate.GenerationSettings.of(
                    org.pefttrainer.core.config.ConfigLoader.loadSchemaDefaults(java.util.List.of()).settings()
                            .generation(), org.pefttrainer.core.io.hf.HfModelFolder.open(folder)).settings();
            assertEquals(config(id, kase.get("settings")), decoding, id + ": settings from generation_config.json");
            long[][] expected = Fixtures.longMatrix(Fixtures.json(kase.get("outputs").asText()).get("sequences"));
            Inputs in = Fixtures.inputs(kase);
            try (NDManager m = manager.newSubManager()) {
                T5Model model = org.pefttrainer.core.model.t5.T5Loader.load(
                        org.pefttrainer.core.io.hf.HfModelFolder.open(folder), m, null);
                GenerationResult result = new Generator(model).generate(ForwardContext.inference(m), in.inputIds(m),
                        in.attentionMask(m), decoding);
                for (int r = 0; r < expected.length; r++) {
                    long[] want = generatedPart(id + " row " + r, expected[r], model.decoderStartTokenId(),
                            model.eosTokenId(), model.padTokenId());
                    assertArrayEquals(want, result.best(r).tokens(), id + " row " + r);
                }
            }
            report.recordExact(id + " via generation_config.json", "ids of " + expected.length + " rows");
        });
    }

    /** A copy of the case's checkpoint folder whose generation_config.json holds the case's generate() settings. */
    private static java.nio.file.Path folderWithGenerationConfig(JsonNode kase) {
        try {
            java.nio.file.Path src = Fixtures.checkpointDir(kase.get("checkpoint").asText());
            java.nio.file.Path dst = java.nio.file.Files.createTempDirectory(tmp, "gen-config-");
            try (Stream<java.nio.file.Path> files = java.nio.file.Files.list(src)) {
                for (java.nio.file.Path f : (Iterable<java.nio.file.Path>) files::iterator) {
                    java.nio.file.Files.copy(f, dst.resolve(f.getFileName()));
                }
            }
            java.nio.file.Files.writeString(dst.resolve("generation_config.json"), kase.get("settings").toString());
            return dst;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void check(JsonNode kase) {
        String id = Fixtures.id(kase);
        assertEquals("eval", kase.get("mode").asText(), id);
        JsonNode settings = kase.get("settings");
        JsonNode out = Fixtures.json(kase.get("outputs").asText());
        long[][] expected = Fixtures.longMatrix(out.get("sequences"));
        assertArrayEquals(expected, Fixtures.longMatrix(kase.get("sequences")), id + ": manifest copy of sequences");
        Inputs in = Fixtures.inputs(kase);
        try (NDManager m = manager.newSubManager()) {
            T5Model model = Fixtures.loadModel(kase, m);
            assertEquals(settings.get("decoder_start_token_id").asInt(), model.decoderStartTokenId(), id);
            assertEquals(settings.get("eos_token_id").asInt(), model.eosTokenId(), id);
            assertEquals(settings.get("pad_token_id").asInt(), model.padTokenId(), id);
            // try-with-resources skips a null resource: the base-model cases have no adapter
            try (Adapter adapter = kase.get("adapter_dir").isNull() ? null
                    : AdapterLoader.load(Fixtures.path(kase, "adapter_dir"), model, m)) {
                ForwardContext ctx = ForwardContext.inference(m);
                if (adapter != null) {
                    ctx = adapter.attach(ctx);
                }
                GenerationResult result = new Generator(model).generate(ctx, in.inputIds(m), in.attentionMask(m),
                        config(id, settings));
                assertEquals(expected.length, result.rows().size(), id + " rows");
                float[] scores = new float[expected.length];
                for (int r = 0; r < expected.length; r++) {
                    assertEquals(1, result.rows().get(r).size(), id + " row " + r + " sequences");
                    GeneratedSequence ours = result.best(r);
                    long[] want = generatedPart(id + " row " + r, expected[r], model.decoderStartTokenId(),
                            model.eosTokenId(), model.padTokenId());
                    String where = id + " row " + r;
                    assertArrayEquals(want, ours.tokens(), () -> where + ": ours " + Arrays.toString(ours.tokens())
                            + ", transformers " + Arrays.toString(want));
                    scores[r] = (float) ours.score();
                }
                report.recordExact(id, "ids of " + expected.length + " rows");
                JsonNode refScores = out.get("sequences_scores");
                if (refScores != null) {
                    float[] ref = new float[refScores.size()];
                    for (int r = 0; r < ref.length; r++) {
                        ref[r] = refScores.get(r).floatValue();
                    }
                    report.check(id, "sequences_scores", new RefTensor("sequences_scores", new long[] {ref.length}, ref),
                            scores, BEAM_SCORE);
                } else {
                    for (int r = 0; r < scores.length; r++) {
                        assertTrue(Float.isNaN(scores[r]), id + " row " + r + ": greedy search has no sequence score");
                    }
                }
            }
        }
    }

    /**
     * A row of transformers' output without its leading decoder start token and, when it finished, without the
     * padding after its EOS (a row that did not finish ran to the longest length, so it has no padding).
     */
    static long[] generatedPart(String where, long[] row, int start, int eos, int pad) {
        assertEquals(start, row[0], where + ": leading decoder start token");
        int end = row.length;
        for (int i = 1; i < row.length; i++) {
            if (row[i] == eos) {
                end = i + 1;
                break;
            }
        }
        for (int i = end; i < row.length; i++) {
            assertEquals(pad, row[i], where + ": padding after EOS at " + i);
        }
        return Arrays.copyOfRange(row, 1, end);
    }

    /** The case's generate() keyword arguments as our settings; a keyword this test does not know fails the case. */
    static GenerationConfig config(String id, JsonNode settings) {
        GenerationConfig.Builder b = GenerationConfig.builder();
        for (Iterator<Map.Entry<String, JsonNode>> it = settings.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            switch (e.getKey()) {
                case "max_new_tokens" -> b.maxNewTokens(v.asInt());
                case "num_beams" -> b.numBeams(v.asInt());
                case "do_sample" -> {
                    assertTrue(v.isBoolean() && !v.asBoolean(), id + ": sampling cannot be compared id for id");
                    b.doSample(false);
                }
                case "length_penalty" -> b.lengthPenalty(v.asDouble());
                case "no_repeat_ngram_size" -> b.noRepeatNgramSize(v.asInt());
                case "num_return_sequences" -> b.numReturnSequences(v.asInt());
                case "early_stopping" -> b.earlyStopping(v.isTextual() && v.asText().equals("never")
                        ? EarlyStopping.NEVER : v.asBoolean() ? EarlyStopping.AT_NUM_BEAMS : EarlyStopping.HEURISTIC);
                // checked against the model's config by the caller
                case "decoder_start_token_id", "eos_token_id", "pad_token_id" -> { }
                default -> fail(id + ": generate() setting '" + e.getKey() + "' is not mapped by this test");
            }
        }
        return b.build();
    }
}
