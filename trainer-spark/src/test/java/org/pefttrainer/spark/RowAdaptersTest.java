package org.pefttrainer.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pefttrainer.core.io.Json;

/**
 * One evaluation serving many adapters: a dataset's {@code adapter} column names each row's adapter, rows of
 * different adapters share mixed-adapter batches, locally and on Spark alike.
 */
class RowAdaptersTest {
    @TempDir static Path dir;
    static Path model;
    static Path data;

    @BeforeAll
    static void setUp() throws Exception {
        model = Peft.tinyModel(dir);
        for (String name : new String[] {"a", "b"}) {
            List<String> args = Peft.args("train", model, dir, "data.train_subset=16", "train.max_steps=3",
                    "eval.every_epoch=false", "run.name=adapter-" + name, "optim.lr=3e-2",
                    "run.seed=" + (name.equals("a") ? 1 : 2));
            Peft.ok(args.toArray(String[]::new));
        }
        // dev.jsonl's first 12 rows, naming adapter a, b, or none (the run's adapter: here the base model)
        data = dir.resolve("rows");
        Files.createDirectories(data);
        StringBuilder sb = new StringBuilder();
        List<String> lines = Files.readAllLines(Path.of("../data/dialogues/dev.jsonl")).subList(0, 12);
        for (int i = 0; i < lines.size(); i++) {
            ObjectNode row = (ObjectNode) Json.MAPPER.readTree(lines.get(i));
            if (i % 3 != 2) {
                row.put("adapter", i % 3 == 0 ? "a" : "b");
            }
            sb.append(Json.MAPPER.writeValueAsString(row)).append('\n');
        }
        Files.writeString(data.resolve("validation.jsonl"), sb.toString());
    }

    private static List<String> eval(String out, String... extra) {
        List<String> a = Peft.args("eval", model, dir, "data.format=jsonl", "data.path=" + data,
                "data.split=validation", "eval.batch_size=4", "eval.adapters.a=" + dir.resolve("adapter-a/adapter"),
                "eval.adapters.b=" + dir.resolve("adapter-b/adapter"));
        a.addAll(List.of(extra));
        a.addAll(List.of("--out", dir.resolve(out).toString()));
        return a;
    }

    private static Map<String, JsonNode> predictions(String out) throws Exception {
        Map<String, JsonNode> byId = new HashMap<>();
        for (String line : Files.readAllLines(dir.resolve(out).resolve("predictions.jsonl"))) {
            JsonNode n = Json.MAPPER.readTree(line);
            byId.put(n.get("id").asText(), n);
        }
        return byId;
    }

    @Test
    void eachRowIsGeneratedWithTheAdapterItNamesLocallyAndOnSpark() throws Exception {
        Peft.ok(eval("rows-local").toArray(String[]::new));
        List<String> spark = new ArrayList<>(eval("rows-spark", "spark.master=local[2]"));
        Peft.ok(spark.toArray(String[]::new));
        assertArrayEquals(Files.readAllBytes(dir.resolve("rows-local/predictions.jsonl")),
                Files.readAllBytes(dir.resolve("rows-spark/predictions.jsonl")));
        assertEquals(Peft.metricsWithoutTime(dir.resolve("rows-local")),
                Peft.metricsWithoutTime(dir.resolve("rows-spark")));
        // The independent check: each row's text is what a whole-split eval with that one adapter gives it.
        Peft.ok(eval("only-a", "adapter=" + dir.resolve("adapter-a/adapter"), "eval.adapters={}",
                "data.path=../data/dialogues", "data.format=dialogsum", "data.subset=12").toArray(String[]::new));
        Peft.ok(eval("only-b", "adapter=" + dir.resolve("adapter-b/adapter"), "eval.adapters={}",
                "data.path=../data/dialogues", "data.format=dialogsum", "data.subset=12").toArray(String[]::new));
        Peft.ok(eval("only-base", "eval.adapters={}", "data.path=../data/dialogues", "data.format=dialogsum",
                "data.subset=12").toArray(String[]::new));
        Map<String, JsonNode> mixed = predictions("rows-local");
        Map<String, Map<String, JsonNode>> single = Map.of("a", predictions("only-a"), "b", predictions("only-b"),
                "", predictions("only-base"));
        int differ = 0;
        for (JsonNode row : mixed.values()) {
            String adapter = row.path("adapter").asText("");
            String id = row.get("id").asText();
            assertEquals(single.get(adapter).get(id).get("prediction").asText(), row.get("prediction").asText(),
                    id + " with adapter '" + adapter + "'");
            differ += single.get("a").get(id).get("prediction").asText()
                    .equals(single.get("b").get(id).get("prediction").asText()) ? 0 : 1;
        }
        assertNotEquals(0, differ, "the two adapters must generate different text for the check to mean anything");
    }
}
