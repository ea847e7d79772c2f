package org.pefttrainer.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pefttrainer.cli.PeftCli;
import org.pefttrainer.core.io.Json;
import org.pefttrainer.core.io.safetensors.SafetensorsReader;
import picocli.CommandLine;

/** The peft command line in this JVM, as a user runs it, and what the Spark tests compare. */
final class Peft {
    private Peft() {}

    record Run(int exit, String out, String err) {}

    static synchronized Run run(String... args) {
        StringWriter err = new StringWriter();
        PrintStream oldOut = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            CommandLine cl = PeftCli.commandLine();
            cl.setErr(new PrintWriter(err, true));
            int code = cl.execute(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString());
        } finally {
            System.setOut(oldOut);
        }
    }

    static Run ok(String... args) {
        Run r = run(args);
        assertEquals(0, r.exit(), () -> "peft " + String.join(" ", args) + "\n" + r.out() + "\n" + r.err());
        return r;
    }

    /** A tiny random T5 with a tokenizer trained on the repo's dialogues. */
    static Path tinyModel(Path dir) {
        Path model = dir.resolve("tiny");
        ok("init-model", "--size", "tiny", "--corpus", "../data/dialogues/train.jsonl", "--vocab-size", "800", "--out",
                model.toString());
        return model;
    }

    static List<String> args(String command, Path model, Path dir, String... extra) {
        List<String> a = new ArrayList<>(List.of(command, "../configs/default.conf", "model.path=" + model,
                "data.path=../data/dialogues", "data.max_source_length=96", "data.max_target_length=32",
                "eval.bootstrap.samples=20", "generation.max_new_tokens=12", "run.output_dir=" + dir));
        a.addAll(List.of(extra));
        return a;
    }

    /** metrics.json without its timing. */
    static JsonNode metricsWithoutTime(Path evalDir) {
        ObjectNode m = (ObjectNode) Json.read(evalDir.resolve("metrics.json"));
        m.remove("seconds");
        m.findParents("seconds").forEach(p -> ((ObjectNode) p).remove("seconds"));
        return m;
    }

    /** Every tensor of a safetensors file as floats, by name. */
    static Map<String, float[]> tensors(Path file) {
        Map<String, float[]> out = new LinkedHashMap<>();
        try (SafetensorsReader r = SafetensorsReader.open(file)) {
            for (String name : r.tensors().keySet()) {
                out.put(name, r.readAsFloat32(name));
            }
        }
        return out;
    }

    /** The type=step lines' step_loss values of a run's metrics.jsonl. */
    static List<Double> stepLosses(Path runDir) {
        List<Double> out = new ArrayList<>();
        try {
            for (String line : java.nio.file.Files.readAllLines(runDir.resolve("metrics.jsonl"))) {
                JsonNode n = Json.MAPPER.readTree(line);
                if ("step".equals(n.path("type").asText())) {
                    out.add(n.get("step_loss").asDouble());
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out;
    }
}
