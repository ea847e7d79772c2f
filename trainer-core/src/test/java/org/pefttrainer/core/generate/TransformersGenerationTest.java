package org.pefttrainer.core.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.pefttrainer.core.generate.GenerationConfig.EarlyStopping;
import org.pefttrainer.core.model.ForwardContext;
import org.pefttrainer.core.model.t5.T5Model;

/**
 * Our generated ids equal transformers 4.33.2's generate() for the same tiny models and padded batch (greedy, greedy
 * with no_repeat_ngram_size, beam search over length_penalty / no_repeat_ngram_size / early_stopping /
 * num_return_sequences, and the defaults of a generation_config.json), with beam sequence scores to 1e-4.
 */
class TransformersGenerationTest {
    /** Cases also run without the KV cache (the cache/no-cache equality has its own test; these keep it honest). */
    private static final Set<String> NO_CACHE_TOO = Set.of("greedy", "beam4_lp1.5_nr2_esfalse", "beam4_lp1.0_never",
            "folder_defaults");

    private static NDManager manager;
    private static JsonNode cases;
    private static final Map<String, T5Model> MODELS = new HashMap<>();

    @BeforeAll
    static void setUp() {
        manager = NDManager.newBaseManager();
        cases = GenerationFixtures.cases();
        for (String name : List.of(GenerationFixtures.RELU_TIED, GenerationFixtures.GATED_UNTIED)) {
            MODELS.put(name, GenerationFixtures.load(name, manager));
        }
    }

    @AfterAll
    static void tearDown() {
        manager.close();
    }

    @TestFactory
    Stream<DynamicTest> matchesTransformers() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = cases.get("models").fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> model = it.next();
            for (Iterator<Map.Entry<String, JsonNode>> c = model.getValue().fields(); c.hasNext();) {
                Map.Entry<String, JsonNode> kase = c.next();
                for (boolean useCache : new boolean[] {true, false}) {
                    if (!useCache && !NO_CACHE_TOO.contains(kase.getKey())) {
                        continue;
                    }
                    tests.add(DynamicTest.dynamicTest(model.getKey() + " " + kase.getKey() + (useCache ? "" : " no-cache"),
                            () -> check(model.getKey(), kase.getKey(), kase.getValue(), useCache)));
                }
            }
        }
        return tests.stream();
    }

    private void check(String modelName, String caseName, JsonNode kase, boolean useCache) {
        try (NDManager m = manager.newSubManager()) {
            T5Model model = MODELS.get(modelName);
            GenerationConfig.Builder b = caseName.equals("folder_defaults")
                    ? GenerationConfig.builder(GenerationFixtures.folder(modelName))
                    : fromKwargs(kase.get("kwargs"));
            GenerationConfig config = b.useCache(useCache).build();
            NDArray ids = GenerationFixtures.array(m, GenerationFixtures.longMatrix(cases.get("input_ids")));
            NDArray mask = GenerationFixtures.array(m, GenerationFixtures.longMatrix(cases.get("attention_mask")));
            GenerationResult result = new Generator(model).generate(ForwardContext.inference(m), ids, mask, config);

            JsonNode rows = kase.get("rows");
            assertEquals(rows.size(), result.rows().size());
            for (int r = 0; r < rows.size(); r++) {
                JsonNode expected = rows.get(r);
                List<GeneratedSequence> got = result.rows().get(r);
                long[][] expectedSeqs = GenerationFixtures.longMatrix(expected.get("sequences"));
                assertEquals(expectedSeqs.length, got.size(), "row " + r + " number of sequences");
                for (int s = 0; s < expectedSeqs.length; s++) {
                    assertArrayEquals(expectedSeqs[s], got.get(s).tokens(), "row " + r + " sequence " + s);
                    if (expected.has("scores")) {
                        double want = expected.get("scores").get(s).asDouble();
                        assertEquals(want, got.get(s).score(), 1e-4, "row " + r + " sequence " + s + " score");
                    } else {
                        assertTrue(Double.isNaN(got.get(s).score()));
                    }
                }
            }
        }
    }

    /** The generate() kwargs of a case as our settings (every case states all of them). */
    static GenerationConfig.Builder fromKwargs(JsonNode k) {
        GenerationConfig.Builder b = GenerationConfig.builder()
                .maxNewTokens(k.get("max_new_tokens").asInt())
                .numBeams(k.get("num_beams").asInt())
                .lengthPenalty(k.get("length_penalty").asDouble())
                .noRepeatNgramSize(k.get("no_repeat_ngram_size").asInt())
                .numReturnSequences(k.get("num_return_sequences").asInt());
        JsonNode es = k.get("early_stopping");
        b.earlyStopping(es.isTextual() ? EarlyStopping.NEVER
                : es.asBoolean() ? EarlyStopping.AT_NUM_BEAMS : EarlyStopping.HEURISTIC);
        return b;
    }
}
