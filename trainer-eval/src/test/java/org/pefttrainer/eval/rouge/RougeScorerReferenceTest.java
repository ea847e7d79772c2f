package org.pefttrainer.eval.rouge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Per-prediction scores against outputs of the real rouge_score 0.1.2. */
class RougeScorerReferenceTest {
    private static final double TOLERANCE = 1e-9;

    /** SAMSum test set, lead-1 and lead-3 predictions, use_stemmer=True (shared/rouge-reference). */
    @ParameterizedTest
    @ValueSource(strings = {"samsum_test_lead1.jsonl", "samsum_test_lead3.jsonl"})
    void matchesRougeScoreOnSamsum(String file) {
        RougeScorer scorer = new RougeScorer(true);
        List<JsonNode> rows = SharedReference.readJsonLines(SharedReference.rougeReference(file));
        assertEquals(819, rows.size(), file);
        for (int i = 0; i < rows.size(); i++) {
            JsonNode row = rows.get(i);
            RougeScores actual = scorer.score(row.get("prediction").textValue(), row.get("reference").textValue());
            assertScores(row.get("stem_true"), actual, file + " line " + (i + 1));
        }
    }

    /** Hand-picked and random edge cases, both stemmer settings (tools/reference/make_rouge_edge_cases.py). */
    @Test
    void matchesRougeScoreOnEdgeCases() {
        RougeScorer plain = new RougeScorer(false);
        RougeScorer stemming = new RougeScorer(true);
        List<JsonNode> cases = SharedReference.resourceJsonLines("edge_cases.jsonl");
        assertEquals(true, cases.size() > 300, "edge cases: " + cases.size());
        for (JsonNode c : cases) {
            RougeScorer scorer = c.get("use_stemmer").booleanValue() ? stemming : plain;
            RougeScores actual = scorer.score(c.get("prediction").textValue(),
                    SharedReference.references(c.get("reference")));
            assertScores(c.get("scores"), actual, c.get("name").textValue() + " stem=" + c.get("use_stemmer"));
        }
    }

    @Test
    void singleReferenceEqualsListOfOne() {
        RougeScorer scorer = new RougeScorer(true);
        assertEquals(scorer.score("the cats sat\non mats", List.of("a cat sat on the mat")),
                scorer.score("the cats sat\non mats", "a cat sat on the mat"));
    }

    @Test
    void rejectsEmptyReferenceList() {
        assertThrows(IllegalArgumentException.class, () -> new RougeScorer(true).score("a", List.of()));
    }

    /** Hand-derived: "a b c" vs "a b d": 2/3 unigrams, 1/2 bigrams, LCS 2 of 3. */
    @Test
    void handDerivedExample() {
        RougeScores s = new RougeScorer(false).score("a b c", "a b d");
        assertEquals(new Score(2.0 / 3, 2.0 / 3, 2.0 / 3), s.get(RougeType.ROUGE1));
        assertEquals(new Score(0.5, 0.5, 0.5), s.get(RougeType.ROUGE2));
        assertEquals(new Score(2.0 / 3, 2.0 / 3, 2.0 / 3), s.get(RougeType.ROUGE_L));
    }

    static void assertScores(JsonNode expected, RougeScores actual, String where) {
        for (RougeType type : RougeType.values()) {
            JsonNode e = expected.get(type.key());
            Score a = actual.get(type);
            assertEquals(e.get(0).doubleValue(), a.precision(), TOLERANCE, () -> where + " " + type.key() + " P");
            assertEquals(e.get(1).doubleValue(), a.recall(), TOLERANCE, () -> where + " " + type.key() + " R");
            assertEquals(e.get(2).doubleValue(), a.fmeasure(), TOLERANCE, () -> where + " " + type.key() + " F");
        }
    }
}
