package org.pefttrainer.eval.rouge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pefttrainer.core.UserException;

class RougeFileScorerTest {
    @TempDir Path dir;

    /** The edge cases written as an input file: one output line each, in order, equal to rouge_score's numbers. */
    @Test
    void scoresEveryLineInOrder() throws IOException {
        List<JsonNode> cases = new ArrayList<>();
        for (JsonNode c : SharedReference.resourceJsonLines("edge_cases.jsonl")) {
            if (c.get("use_stemmer").booleanValue()) {
                cases.add(c);
            }
        }
        Path input = dir.resolve("pairs.jsonl");
        List<String> lines = new ArrayList<>();
        for (JsonNode c : cases) {
            lines.add(SharedReference.JSON.createObjectNode().put("prediction", c.get("prediction").textValue())
                    .set("reference", c.get("reference")).toString());
        }
        Files.write(input, lines, StandardCharsets.UTF_8);
        Path output = dir.resolve("scores.jsonl");

        RougeFileScorer fileScorer = new RougeFileScorer(new RougeScorer(true), BootstrapSettings.DEFAULT);
        RougeSummary summary = fileScorer.scoreFile(input, output);

        List<String> out = Files.readAllLines(output, StandardCharsets.UTF_8);
        assertEquals(cases.size(), out.size());
        assertEquals(cases.size(), summary.count());
        for (int i = 0; i < out.size(); i++) {
            JsonNode line = SharedReference.JSON.readTree(out.get(i));
            assertEquals(4, line.size(), "keys of output line " + (i + 1));
            EnumMap<RougeType, Score> parsed = new EnumMap<>(RougeType.class);
            for (RougeType type : RougeType.values()) {
                JsonNode s = line.get(type.key());
                assertEquals(3, s.size());
                parsed.put(type, new Score(s.get("precision").doubleValue(), s.get("recall").doubleValue(),
                        s.get("fmeasure").doubleValue()));
            }
            RougeScorerReferenceTest.assertScores(cases.get(i).get("scores"), new RougeScores(parsed),
                    "output line " + (i + 1));
        }

        Path summaryFile = dir.resolve("summary.json");
        fileScorer.writeSummary(summary, summaryFile);
        JsonNode json = SharedReference.JSON.readTree(summaryFile.toFile());
        assertEquals(cases.size(), json.get("count").intValue());
        assertTrue(json.get("use_stemmer").booleanValue());
        assertEquals(42, json.get("bootstrap").get("seed").intValue());
        assertEquals(summary.interval().get(RougeType.ROUGE_LSUM).high().fmeasure(),
                json.get("interval").get("rougeLsum").get("high").get("fmeasure").doubleValue());
    }

    @Test
    void badLinesNameFileAndLine() throws IOException {
        String good = "{\"prediction\": \"a\", \"reference\": \"a\"}";
        String[][] bad = {
            {"not json", "not valid JSON"},
            {"[1, 2]", "expected a JSON object"},
            {"{\"reference\": \"a\"}", "\"prediction\" must be a string"},
            {"{\"prediction\": 3, \"reference\": \"a\"}", "\"prediction\" must be a string"},
            {"{\"prediction\": \"a\"}", "\"reference\" must be a string or a non-empty list"},
            {"{\"prediction\": \"a\", \"reference\": []}", "\"reference\" must be a string or a non-empty list"},
            {"{\"prediction\": \"a\", \"reference\": [\"a\", null]}", "list must hold only strings"},
            {"", "empty line"},
            {"{\"prediction\": \"a\", \"reference\": \"a\"} {}", "not valid JSON"},
        };
        for (String[] b : bad) {
            Path input = dir.resolve("bad.jsonl");
            Files.write(input, List.of(good, good, b[0], good), StandardCharsets.UTF_8);
            Path output = dir.resolve("out.jsonl");
            UserException e = assertThrows(UserException.class,
                    () -> new RougeFileScorer(new RougeScorer(true), BootstrapSettings.DEFAULT)
                            .scoreFile(input, output), b[0]);
            assertTrue(e.getMessage().startsWith(input + " line 3: "), e.getMessage());
            assertTrue(e.getMessage().contains(b[1]), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
            assertFalse(Files.exists(output), "no partial output for: " + b[0]);
        }
    }

    @Test
    void missingAndEmptyInputsAreUserErrors() throws IOException {
        RougeFileScorer fileScorer = new RougeFileScorer(new RougeScorer(true), BootstrapSettings.DEFAULT);
        Path missing = dir.resolve("missing.jsonl");
        UserException e = assertThrows(UserException.class, () -> fileScorer.scoreFile(missing, dir.resolve("o")));
        assertTrue(e.getMessage().contains("missing.jsonl"), e.getMessage());
        Path empty = Files.writeString(dir.resolve("empty.jsonl"), "");
        e = assertThrows(UserException.class, () -> fileScorer.scoreFile(empty, dir.resolve("o")));
        assertTrue(e.getMessage().contains("no prediction/reference pairs"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("o")));
    }
}
