package org.pefttrainer.eval.rouge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Means and bootstrap intervals against rouge_score's BootstrapAggregator under numpy seeds. */
class BootstrapAggregatorTest {
    private static final double TOLERANCE = 1e-9;

    /** shared/rouge-reference/samsum_summary_scores.json: mean F and the seed-42 interval over 819 predictions. */
    @ParameterizedTest
    @CsvSource({"lead1, false", "lead1, true", "lead3, false", "lead3, true"})
    void matchesSamsumSummaries(String lead, boolean stem) throws IOException {
        JsonNode all = SharedReference.JSON.readTree(
                SharedReference.rougeReference("samsum_summary_scores.json").toFile());
        JsonNode expected = all.get("samsum_test_" + lead + "_stem" + (stem ? "True" : "False"));
        RougeScorer scorer = new RougeScorer(stem);
        BootstrapAggregator aggregator = new BootstrapAggregator();
        for (JsonNode row : SharedReference.readJsonLines(
                SharedReference.rougeReference("samsum_test_" + lead + ".jsonl"))) {
            aggregator.add(scorer.score(row.get("prediction").textValue(), row.get("reference").textValue()));
        }
        RougeSummary summary = aggregator.aggregate();
        assertEquals(expected.get("n").intValue(), summary.count());
        for (RougeType type : RougeType.values()) {
            String where = lead + " stem=" + stem + " " + type.key();
            ConfidenceInterval ci = summary.interval().get(type);
            assertEquals(expected.get("mean_f").get(type.key()).doubleValue(),
                    summary.mean().get(type).fmeasure(), TOLERANCE, where + " mean");
            assertEquals(expected.get("bootstrap_seed42_mid_f").get(type.key()).doubleValue(),
                    ci.mid().fmeasure(), TOLERANCE, where + " mid");
            assertEquals(expected.get("low").get(type.key()).doubleValue(),
                    ci.low().fmeasure(), TOLERANCE, where + " low");
            assertEquals(expected.get("high").get(type.key()).doubleValue(),
                    ci.high().fmeasure(), TOLERANCE, where + " high");
        }
    }

    /**
     * Other sizes, confidences, resample counts and seeds, all three measures (tools/reference/make_rouge_edge_cases.py
     * over the edge-case scores): covers rejection sampling (37 is far from a power of two), no draws at all (one
     * score), and the largest seed.
     */
    @Test
    void matchesOtherSettings() {
        List<RougeScores> stemmed = new ArrayList<>();
        for (JsonNode c : SharedReference.resourceJsonLines("edge_cases.jsonl")) {
            if (c.get("use_stemmer").booleanValue()) {
                stemmed.add(fromJson(c.get("scores")));
            }
        }
        JsonNode cases = SharedReference.resourceJson("bootstrap_cases.json").get("cases");
        assertEquals(4, cases.size());
        for (JsonNode c : cases) {
            int count = c.get("count").intValue();
            BootstrapSettings settings = new BootstrapSettings(c.get("confidence").doubleValue(),
                    c.get("resamples").intValue(), c.get("seed").intValue());
            RougeSummary summary = new BootstrapAggregator(settings).addAll(stemmed.subList(0, count)).aggregate();
            for (RougeType type : RougeType.values()) {
                String where = "count=" + count + " seed=" + settings.seed() + " " + type.key();
                assertScore(c.get("mean").get(type.key()), summary.mean().get(type), where + " mean");
                JsonNode interval = c.get("interval").get(type.key());
                ConfidenceInterval ci = summary.interval().get(type);
                assertScore(interval.get("low"), ci.low(), where + " low");
                assertScore(interval.get("mid"), ci.mid(), where + " mid");
                assertScore(interval.get("high"), ci.high(), where + " high");
            }
        }
    }

    /** numpy 1.24: np.random.seed(42); np.random.choice(np.arange(819), size=819)[:5] and the next call's. */
    @Test
    void drawsNumpysIndices() {
        NumpyLegacyChoice choice = new NumpyLegacyChoice(42);
        int[] sample = new int[819];
        choice.draw(819, sample);
        assertArrayEquals(new int[] {102, 435, 270, 106, 71}, java.util.Arrays.copyOf(sample, 5));
        choice.draw(819, sample);
        assertArrayEquals(new int[] {373, 64, 145, 223, 238}, java.util.Arrays.copyOf(sample, 5));
    }

    private static RougeScores fromJson(JsonNode scores) {
        java.util.EnumMap<RougeType, Score> map = new java.util.EnumMap<>(RougeType.class);
        for (RougeType type : RougeType.values()) {
            JsonNode s = scores.get(type.key());
            map.put(type, new Score(s.get(0).doubleValue(), s.get(1).doubleValue(), s.get(2).doubleValue()));
        }
        return new RougeScores(map);
    }

    private static void assertScore(JsonNode expected, Score actual, String where) {
        assertEquals(expected.get(0).doubleValue(), actual.precision(), TOLERANCE, where + " P");
        assertEquals(expected.get(1).doubleValue(), actual.recall(), TOLERANCE, where + " R");
        assertEquals(expected.get(2).doubleValue(), actual.fmeasure(), TOLERANCE, where + " F");
    }
}
