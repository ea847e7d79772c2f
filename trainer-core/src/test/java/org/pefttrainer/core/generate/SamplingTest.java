package org.pefttrainer.core.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.pefttrainer.core.generate.GenerationConfig.Strategy;
import org.pefttrainer.core.model.ForwardContext;
import org.pefttrainer.core.model.t5.T5Model;

class SamplingTest {
    private static NDManager manager;
    private static T5Model model;
    private static List<long[]> inputs;

    @BeforeAll
    static void setUp() {
        manager = NDManager.newBaseManager();
        model = GenerationFixtures.load(GenerationFixtures.RELU_TIED, manager);
        JsonNode cases = GenerationFixtures.cases();
        inputs = GenerationFixtures.unpadded(GenerationFixtures.longMatrix(cases.get("input_ids")),
                GenerationFixtures.longMatrix(cases.get("attention_mask")));
    }

    @AfterAll
    static void tearDown() {
        manager.close();
    }

    private static GenerationResult generate(GenerationConfig config) {
        return new Generator(model).generate(ForwardContext.inference(manager), inputs, config);
    }

    private static GenerationConfig.Builder sampling() {
        return GenerationConfig.builder().strategy(Strategy.SAMPLE).maxNewTokens(12).temperature(1.5).topK(0);
    }

    @Test
    void sameSeedSameSamplesOtherSeedOtherSamples() {
        GenerationConfig config = sampling().seed(42).numReturnSequences(3).build();
        GenerationResult a = generate(config);
        GenerationResult b = generate(config);
        assertEquals(a, b);
        assertEquals(3, a.rows().size());
        a.rows().forEach(r -> assertEquals(3, r.size()));
        assertNotEquals(a, generate(config.toBuilder().seed(43).build()));
        // The three samples of one input are independent draws, not copies.
        assertTrue(a.rows().stream().anyMatch(r -> !r.get(0).equals(r.get(1)) || !r.get(1).equals(r.get(2))));
    }

    @Test
    void topKOneIsGreedy() {
        GenerationConfig greedy = GenerationConfig.builder().maxNewTokens(12).noRepeatNgramSize(2).build();
        GenerationResult want = generate(greedy);
        GenerationResult got = generate(sampling().topK(1).noRepeatNgramSize(2).seed(7).build());
        for (int r = 0; r < inputs.size(); r++) {
            assertArrayEquals(want.best(r).tokens(), got.best(r).tokens(), "row " + r);
        }
    }

    @Test
    void tinyTopPIsGreedy() {
        GenerationResult want = generate(GenerationConfig.builder().maxNewTokens(12).build());
        GenerationResult got = generate(sampling().topP(1e-6).seed(11).build());
        for (int r = 0; r < inputs.size(); r++) {
            assertArrayEquals(want.best(r).tokens(), got.best(r).tokens(), "row " + r);
        }
    }

    @Test
    void topKKeepsTheKLargestAndTies() {
        float[] s = {1f, 5f, 3f, 5f, 2f, 3f};
        SamplingWarpers.topK(s, 3);
        float ninf = Float.NEGATIVE_INFINITY;
        // k=3: the third largest is 3, so both 3s stay (transformers removes only scores below it).
        assertArrayEquals(new float[] {ninf, 5f, 3f, 5f, ninf, 3f}, s);
    }

    @Test
    void topPKeepsTheSmallestSetAboveP() {
        // Probabilities 0.5, 0.3, 0.15, 0.05 (as log values); ascending cumulative: 0.05, 0.20, 0.50, 1.0.
        float[] s = {(float) Math.log(0.15), (float) Math.log(0.5), (float) Math.log(0.05), (float) Math.log(0.3)};
        float[] p07 = s.clone();
        SamplingWarpers.topP(p07, 0.7);
        float ninf = Float.NEGATIVE_INFINITY;
        // 0.5 + 0.3 = 0.8 is the smallest set exceeding 0.7: removes cumulative <= 0.3, i.e. 0.05 and 0.15.
        assertArrayEquals(new float[] {ninf, s[1], ninf, s[3]}, p07);
        float[] p04 = s.clone();
        SamplingWarpers.topP(p04, 0.4);
        assertArrayEquals(new float[] {ninf, s[1], ninf, ninf}, p04);
        float[] p099 = s.clone();
        SamplingWarpers.topP(p099, 0.99);
        assertArrayEquals(s, p099);
        // The most likely token stays even when it alone does not reach top_p... and is the only one at tiny p.
        float[] tiny = s.clone();
        SamplingWarpers.topP(tiny, 1e-9);
        assertArrayEquals(new float[] {ninf, s[1], ninf, ninf}, tiny);
    }

    @Test
    void temperatureDividesScores() {
        float[] s = {1f, -2f, 4f};
        new SamplingWarpers(2.0, 0, 1.0).apply(s);
        assertArrayEquals(new float[] {0.5f, -1f, 2f}, s);
    }

    @Test
    void drawUsesTheCumulativeDistributionInVocabularyOrder() {
        double[] p = {0.0, 0.25, 0.0, 0.5, 0.25};
        assertEquals(1, MultinomialSampling.draw(p, 0.0));
        assertEquals(1, MultinomialSampling.draw(p, 0.2499));
        assertEquals(3, MultinomialSampling.draw(p, 0.25));
        assertEquals(3, MultinomialSampling.draw(p, 0.7499));
        assertEquals(4, MultinomialSampling.draw(p, 0.75));
        assertEquals(4, MultinomialSampling.draw(p, 0.9999999));
    }

    @Test
    void ascendingOrderSortsFloatsIncludingNegativesAndInfinity() {
        float[] s = {0.5f, -1f, Float.NEGATIVE_INFINITY, -0.25f, 3f, -7f};
        assertArrayEquals(new int[] {2, 5, 1, 3, 0, 4}, SamplingWarpers.ascendingOrder(s));
    }
}
