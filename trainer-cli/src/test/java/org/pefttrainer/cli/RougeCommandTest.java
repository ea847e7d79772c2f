package org.pefttrainer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class RougeCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] TYPES = {"rouge1", "rouge2", "rougeL", "rougeLsum"};

    @TempDir Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cl = PeftCli.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    /** SAMSum lead-3 pairs from ../shared: the output equals rouge_score's stem_true values, summary JSON exists. */
    @Test
    void scoresSamsumPairsLikeRougeScore() throws IOException {
        List<String> reference = Files.readAllLines(lead3(), StandardCharsets.UTF_8).subList(0, 25);
        Path input = Files.write(dir.resolve("pairs.jsonl"), reference, StandardCharsets.UTF_8);
        Path output = dir.resolve("scores.jsonl");
        Path summary = dir.resolve("summary.json");

        assertEquals(0, run("rouge", "--input", input.toString(), "--output", output.toString(),
                "--summary", summary.toString()), err.toString());

        List<String> lines = Files.readAllLines(output, StandardCharsets.UTF_8);
        assertEquals(reference.size(), lines.size());
        for (int i = 0; i < lines.size(); i++) {
            JsonNode expected = JSON.readTree(reference.get(i)).get("stem_true");
            JsonNode actual = JSON.readTree(lines.get(i));
            for (String type : TYPES) {
                assertEquals(expected.get(type).get(0).doubleValue(), actual.get(type).get("precision").doubleValue(), 1e-9);
                assertEquals(expected.get(type).get(1).doubleValue(), actual.get(type).get("recall").doubleValue(), 1e-9);
                assertEquals(expected.get(type).get(2).doubleValue(), actual.get(type).get("fmeasure").doubleValue(), 1e-9);
            }
        }
        JsonNode s = JSON.readTree(summary.toFile());
        assertEquals(25, s.get("count").intValue());
        assertTrue(s.get("use_stemmer").booleanValue());
        assertEquals(1000, s.get("bootstrap").get("resamples").intValue());
        assertTrue(s.get("interval").get("rougeL").has("mid"));
    }

    @Test
    void printsSummaryToStderrWithoutSummaryFile() throws IOException {
        Path input = Files.writeString(dir.resolve("p.jsonl"),
                "{\"prediction\": \"the cat\", \"reference\": [\"a cat\", \"the cat\"]}\n");
        assertEquals(0, run("rouge", "--input", input.toString(), "--output", dir.resolve("o.jsonl").toString(),
                "--no-stemmer"), err.toString());
        assertTrue(err.toString().contains("use_stemmer=false"), err.toString());
        assertTrue(err.toString().contains("rougeLsum"), err.toString());
        assertEquals("{\"rouge1\":{\"precision\":1.0,\"recall\":1.0,\"fmeasure\":1.0},"
                        + "\"rouge2\":{\"precision\":1.0,\"recall\":1.0,\"fmeasure\":1.0},"
                        + "\"rougeL\":{\"precision\":1.0,\"recall\":1.0,\"fmeasure\":1.0},"
                        + "\"rougeLsum\":{\"precision\":1.0,\"recall\":1.0,\"fmeasure\":1.0}}",
                Files.readString(dir.resolve("o.jsonl")).strip());
    }

    @Test
    void theSummaryHasBleuAndExactMatchOrOnlyWhatMetricsNames() throws IOException {
        Path input = Files.writeString(dir.resolve("m.jsonl"),
                "{\"prediction\": \"the cat sat on the mat\", \"reference\": \"the cat is on the mat\"}\n"
                        + "{\"prediction\": \"The dog.\", \"reference\": [\"x\", \"the dog\"]}\n");
        Path all = dir.resolve("all.json");
        assertEquals(0, run("rouge", "--input", input.toString(), "--output", dir.resolve("o1.jsonl").toString(),
                "--summary", all.toString(), "--resamples", "50"), err.toString());
        JsonNode m = JSON.readTree(all.toFile()).get("metrics");
        assertTrue(m.has("bleu") && m.has("exact_match") && m.has("rougeLsum"), m.toString());
        assertEquals(0.5, m.get("exact_match").get("value").doubleValue(), 1e-12, "the second pair matches after"
                + " normalisation");
        assertTrue(m.get("bleu").has("low") && m.get("bleu").get("value").doubleValue() > 0);
        Path rougeOnly = dir.resolve("rouge.json");
        assertEquals(0, run("rouge", "--input", input.toString(), "--output", dir.resolve("o2.jsonl").toString(),
                "--summary", rougeOnly.toString(), "--metrics", "rouge"), err.toString());
        JsonNode r = JSON.readTree(rougeOnly.toFile()).get("metrics");
        assertTrue(r.has("rouge1") && !r.has("bleu") && !r.has("exact_match"), r.toString());
        assertEquals(2, run("rouge", "--input", input.toString(), "--output", dir.resolve("o3.jsonl").toString(),
                "--metrics", "meteor"));
        assertTrue(err.toString().contains("unknown metric 'meteor'"), err.toString());
    }

    @Test
    void badLineIsOneLineUserError() throws IOException {
        Path input = Files.writeString(dir.resolve("bad.jsonl"),
                "{\"prediction\": \"a\", \"reference\": \"a\"}\n{\"prediction\": \"a\"}\n");
        assertEquals(2, run("rouge", "--input", input.toString(), "--output", dir.resolve("o.jsonl").toString()));
        assertTrue(err.toString().startsWith("error: " + input + " line 2: "), err.toString());
        assertEquals(1, err.toString().strip().lines().count(), err.toString());
    }

    @Test
    void benchRougeRunsOnSamsum() {
        assertEquals(0, run("bench", "rouge", "--input", lead3().toString(), "--rounds", "1", "--warmup", "0"),
                err.toString());
        assertTrue(out.toString().contains("819 pairs"), out.toString());
        assertTrue(out.toString().contains("pairs/s"), out.toString());
    }

    private static Path lead3() {
        String env = System.getenv("PEFT_SHARED");
        Path shared = env != null && !env.isBlank() ? Path.of(env) : Path.of("../../shared");
        Path file = shared.resolve("rouge-reference/samsum_test_lead3.jsonl");
        assertTrue(Files.isRegularFile(file), "shared reference file missing: " + file.toAbsolutePath()
                + " (set PEFT_SHARED to the shared folder)");
        return file;
    }
}
