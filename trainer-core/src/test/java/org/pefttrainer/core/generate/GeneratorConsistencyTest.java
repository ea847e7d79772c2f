package org.pefttrainer.core.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pefttrainer.core.generate.GenerationConfig.EarlyStopping;
import org.pefttrainer.core.generate.GenerationConfig.Strategy;
import org.pefttrainer.core.model.ForwardContext;
import org.pefttrainer.core.model.t5.T5Model;

/** Properties that must hold between our own code paths: cache vs none, batch vs single rows, 1 beam vs greedy. */
class GeneratorConsistencyTest {
    private static NDManager manager;
    private static long[][] ids;
    private static long[][] mask;

    @BeforeAll
    static void setUp() {
        manager = NDManager.newBaseManager();
        JsonNode cases = GenerationFixtures.cases();
        ids = GenerationFixtures.longMatrix(cases.get("input_ids"));
        mask = GenerationFixtures.longMatrix(cases.get("attention_mask"));
    }

    @AfterAll
    static void tearDown() {
        manager.close();
    }

    private static GenerationResult run(T5Model model, GenerationConfig config, StepObserver observer,
            NDManager m) {
        return new Generator(model, observer).generate(ForwardContext.inference(m), GenerationFixtures.array(m, ids),
                GenerationFixtures.array(m, mask), config);
    }

    /** The cached decoder gives the same ids and, step by step, the same next-token logits as the full re-run. */
    @ParameterizedTest
    @ValueSource(strings = {GenerationFixtures.RELU_TIED, GenerationFixtures.GATED_UNTIED})
    void cacheEqualsNoCache(String name) {
        try (NDManager m = manager.newSubManager()) {
            T5Model model = GenerationFixtures.load(name, m);
            List<GenerationConfig> configs = List.of(
                    GenerationConfig.builder().maxNewTokens(16).build(),
                    GenerationConfig.builder().maxNewTokens(16).numBeams(4).noRepeatNgramSize(2)
                            .numReturnSequences(2).earlyStopping(EarlyStopping.NEVER).build());
            for (GenerationConfig config : configs) {
                List<float[]> cached = new ArrayList<>();
                List<float[]> full = new ArrayList<>();
                GenerationResult a = run(model, config, (s, l) -> cached.add(l.toFloatArray()), m);
                GenerationResult b = run(model, config.toBuilder().useCache(false).build(),
                        (s, l) -> full.add(l.toFloatArray()), m);
                assertSameSequences(a, b, config.strategy().toString());
                assertEquals(cached.size(), full.size());
                assertTrue(cached.size() >= 2, "at least two steps compared");
                for (int s = 0; s < cached.size(); s++) {
                    assertArrayEquals(full.get(s), cached.get(s), 1e-5f, config.strategy() + " step " + s + " logits");
                }
            }
        }
    }

    /** Equal ids; equal scores up to fp32 rounding (the two paths sum the same terms in another order). */
    private static void assertSameSequences(GenerationResult want, GenerationResult got, String what) {
        assertEquals(want.rows().size(), got.rows().size());
        for (int r = 0; r < want.rows().size(); r++) {
            assertEquals(want.rows().get(r).size(), got.rows().get(r).size());
            for (int s = 0; s < want.rows().get(r).size(); s++) {
                GeneratedSequence w = want.rows().get(r).get(s);
                GeneratedSequence g = got.rows().get(r).get(s);
                assertArrayEquals(w.tokens(), g.tokens(), what + " row " + r + " sequence " + s);
                assertEquals(w.score(), g.score(), 1e-5, what + " row " + r + " sequence " + s + " score");
            }
        }
    }

    /** Padding other rows of the batch changes nothing: each row generates as it would alone. */
    @ParameterizedTest
    @ValueSource(strings = {GenerationFixtures.RELU_TIED, GenerationFixtures.GATED_UNTIED})
    void batchedEqualsEachRowAlone(String name) {
        try (NDManager m = manager.newSubManager()) {
            T5Model model = GenerationFixtures.load(name, m);
            Generator generator = new Generator(model);
            ForwardContext ctx = ForwardContext.inference(m);
            List<long[]> rows = GenerationFixtures.unpadded(ids, mask);
            for (GenerationConfig config : List.of(
                    GenerationConfig.builder().maxNewTokens(14).build(),
                    GenerationConfig.builder().maxNewTokens(14).numBeams(3).numReturnSequences(3).build())) {
                GenerationResult batched = generator.generate(ctx, rows, config);
                for (int r = 0; r < rows.size(); r++) {
                    GenerationResult alone = generator.generate(ctx, List.of(rows.get(r)), config);
                    assertSameSequences(alone, new GenerationResult(List.of(batched.rows().get(r))),
                            config.strategy() + " input " + r);
                }
            }
        }
    }

    /**
     * One beam with early_stopping=True is greedy search: the running beam is always the argmax token, and the
     * first EOS (a rank-0 candidate) completes the only hypothesis and ends the row.
     */
    @ParameterizedTest
    @ValueSource(strings = {GenerationFixtures.RELU_TIED, GenerationFixtures.GATED_UNTIED})
    void oneBeamEqualsGreedy(String name) {
        try (NDManager m = manager.newSubManager()) {
            T5Model model = GenerationFixtures.load(name, m);
            for (int noRepeat : new int[] {0, 2}) {
                GenerationConfig greedy = GenerationConfig.builder().maxNewTokens(20).noRepeatNgramSize(noRepeat).build();
                GenerationConfig beam = greedy.toBuilder().strategy(Strategy.BEAM).numBeams(1)
                        .earlyStopping(EarlyStopping.AT_NUM_BEAMS).build();
                GenerationResult g = run(model, greedy, null, m);
                GenerationResult b = run(model, beam, null, m);
                boolean anyLong = false;
                for (int r = 0; r < ids.length; r++) {
                    assertArrayEquals(g.best(r).tokens(), b.best(r).tokens(), "row " + r + " no_repeat " + noRepeat);
                    assertFalse(Double.isNaN(b.best(r).score()));
                    anyLong |= g.best(r).length() > 3;
                }
                assertTrue(anyLong, "the comparison covers more than a couple of tokens");
            }
        }
    }

    /**
     * Hooks see the expansion: the encoder runs on the input rows (rowRepeat 1), every decoder call on
     * num_beams (or num_return_sequences) rows per input with rowRepeat equal to that factor, so that a per-input-row
     * hook maps decoder row i to input row i / rowRepeat.
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 3})
    void decoderCallsCarryTheRowRepeat(int beams) {
        try (NDManager m = manager.newSubManager()) {
            T5Model model = GenerationFixtures.load(GenerationFixtures.RELU_TIED, m);
            int inputs = ids.length;
            List<int[]> encoderCalls = new ArrayList<>();
            List<int[]> decoderCalls = new ArrayList<>();
            org.pefttrainer.core.model.LinearHook probe = (module, x, ctx) -> {
                int[] seen = {(int) x.getShape().get(0), ctx.rowRepeat()};
                (module.startsWith("encoder.") ? encoderCalls : decoderCalls).add(seen);
                return null;
            };
            GenerationConfig config = GenerationConfig.builder().maxNewTokens(4).numBeams(beams).build();
            ForwardContext ctx = ForwardContext.inference(m).withHooks(probe, null, null);
            new Generator(model).generate(ctx, GenerationFixtures.array(m, ids), GenerationFixtures.array(m, mask),
                    config);
            assertFalse(encoderCalls.isEmpty());
            assertFalse(decoderCalls.isEmpty());
            for (int[] c : encoderCalls) {
                assertArrayEquals(new int[] {inputs, 1}, c, "encoder: input rows, rowRepeat 1");
            }
            for (int[] c : decoderCalls) {
                assertArrayEquals(new int[] {inputs * beams, beams}, c, "decoder: rows and rowRepeat");
            }
        }
    }
}
