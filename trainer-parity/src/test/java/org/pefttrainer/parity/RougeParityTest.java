package org.pefttrainer.parity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.pefttrainer.core.io.Json;
import org.pefttrainer.eval.rouge.RougeScorer;
import org.pefttrainer.eval.rouge.RougeScores;
import org.pefttrainer.eval.rouge.RougeType;
import org.pefttrainer.eval.rouge.Score;

/** Every row of rouge/pairs.jsonl: our RougeScorer gives rouge_score 0.1.2's P/R/F for all four types to 1e-9. */
class RougeParityTest {
    /** Both sides compute the same ratios of integer counts in double precision; only their rounding may differ. */
    private static final Tolerance ROUGE = Tolerance.absolute(1e-9);

    private static final ParityReport REPORT = new ParityReport("rouge");

    @AfterAll
    static void tearDown() {
        REPORT.log();
    }

    @TestFactory
    Stream<DynamicTest> rougeMatchesRougeScore() {
        return Fixtures.tests(Fixtures.ROUGE, this::check);
    }

    private void check(JsonNode kase) {
        String id = Fixtures.id(kase);
        List<String> lines = readLines(kase);
        assertEquals(kase.get("rows").asInt(), lines.size(), id + " rows");
        List<String> types = Fixtures.strings(kase.get("rouge_types"));
        RougeScorer stemming = new RougeScorer(true);
        RougeScorer plain = new RougeScorer(false);
        double worst = 0;
        int nonZeroRouge1 = 0;
        for (int i = 0; i < lines.size(); i++) {
            JsonNode row = parse(lines.get(i), id, i + 1);
            String where = id + " line " + (i + 1) + " (id " + row.get("id") + ")";
            RougeScorer scorer = row.get("use_stemmer").asBoolean() ? stemming : plain;
            String prediction = row.get("prediction").asText();
            List<String> references = Fixtures.strings(row.get("references"));
            RougeScores ours = switch (row.get("method").asText()) {
                // rouge_score: score(references[0], prediction), target first
                case "score" -> scorer.score(prediction, references.get(0));
                case "score_multi" -> scorer.score(prediction, references);
                default -> throw new AssertionError(where + ": unknown method " + row.get("method"));
            };
            for (String key : types) {
                RougeType type = RougeType.fromKey(key);
                assertNotNull(type, id + ": rouge type " + key);
                JsonNode want = row.get("scores").get(key);
                Score got = ours.get(type);
                double[] g = {got.precision(), got.recall(), got.fmeasure()};
                for (int k = 0; k < 3; k++) {
                    double d = Math.abs(want.get(k).asDouble() - g[k]);
                    worst = Math.max(worst, d);
                    if (!(d <= ROUGE.bound())) {
                        fail(where + " " + key + " " + "PRF".charAt(k) + ": ours " + g[k] + ", rouge_score "
                                + want.get(k).asDouble());
                    }
                }
            }
            if (ours.get(RougeType.ROUGE1).fmeasure() > 0) {
                nonZeroRouge1++;
            }
        }
        assertEquals(kase.get("rows_with_nonzero_rouge1").asInt(), nonZeroRouge1, id + " rows with ROUGE-1 > 0");
        assertTrue(worst <= ROUGE.bound());
        REPORT.recordWorst(id, "P/R/F of " + lines.size() + " rows x " + types.size() + " types", worst, ROUGE);
    }

    private static JsonNode parse(String line, String id, int number) {
        try {
            return Json.MAPPER.readTree(line);
        } catch (IOException e) {
            throw new UncheckedIOException(id + " line " + number + ": not JSON", e);
        }
    }

    private static List<String> readLines(JsonNode kase) {
        try {
            return Files.readAllLines(Fixtures.path(kase, "file")).stream().filter(l -> !l.isBlank()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
