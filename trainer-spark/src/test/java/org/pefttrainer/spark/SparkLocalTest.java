package org.pefttrainer.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import com.fasterxml.jackson.databind.JsonNode;
import org.pefttrainer.core.io.Json;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Both jobs on {@code local[2]} (two task threads in this JVM) against the same command without Spark: eval gives
 * the same files byte for byte, and data-parallel training the same losses and adapter.
 */
class SparkLocalTest {
    @TempDir static Path dir;
    static Path model;

    @BeforeAll
    static void makeModel() {
        model = Peft.tinyModel(dir);
    }

    @Test
    void evalOnSparkWritesTheSameFilesAsALocalEval() throws Exception {
        List<String> common = Peft.args("eval", model, dir, "data.split=validation", "data.subset=10",
                "eval.batch_size=3");
        List<String> local = new ArrayList<>(common);
        local.addAll(List.of("--out", dir.resolve("eval-local").toString()));
        Peft.ok(local.toArray(String[]::new));
        List<String> spark = new ArrayList<>(common);
        spark.addAll(List.of("spark.master=local[2]", "spark.predictions_parquet=true", "--out",
                dir.resolve("eval-spark").toString()));
        int loadsBefore = ExecutorModels.loads();
        Peft.Run r = Peft.ok(spark.toArray(String[]::new));
        assertTrue(r.out().contains("spark: local[2]"), r.out());
        assertTrue(r.out().contains("generation of 4 batches in 2 tasks"), r.out());
        assertEquals(loadsBefore, ExecutorModels.loads(), "local mode: the tasks run in this JVM on the driver's"
                + " model, with no second copy");
        assertArrayEquals(Files.readAllBytes(dir.resolve("eval-local/predictions.jsonl")),
                Files.readAllBytes(dir.resolve("eval-spark/predictions.jsonl")));
        assertEquals(Peft.metricsWithoutTime(dir.resolve("eval-local")),
                Peft.metricsWithoutTime(dir.resolve("eval-spark")));
        assertTrue(Peft.metricsWithoutTime(dir.resolve("eval-spark")).has("loss"), "the loss is compared too");
        assertTrue(Files.isDirectory(dir.resolve("eval-spark/predictions.parquet")));
    }

    @Test
    void parquetInputGivesTheSameEvaluationAsItsJsonLines() throws Exception {
        Path parquet = dir.resolve("parquet");
        Path jsonl = dir.resolve("jsonl");
        Files.createDirectories(jsonl);
        Files.write(jsonl.resolve("validation.jsonl"),
                Files.readAllLines(Path.of("../data/dialogues/dev.jsonl")).subList(0, 6));
        org.apache.spark.sql.SparkSession spark = org.apache.spark.sql.SparkSession.builder().master("local[1]")
                .config("spark.ui.enabled", "false").getOrCreate();
        try {
            spark.read().json(jsonl.resolve("validation.jsonl").toString()).coalesce(1).write()
                    .parquet(parquet.resolve("validation.parquet").toString());
        } finally {
            spark.stop();
        }
        List<String> fromJsonl = Peft.args("eval", model, dir, "data.format=jsonl", "data.path=" + jsonl,
                "data.split=validation", "--out", dir.resolve("eval-jsonl").toString());
        Peft.ok(fromJsonl.toArray(String[]::new));
        List<String> fromParquet = Peft.args("eval", model, dir, "data.format=parquet", "data.path=" + parquet,
                "data.split=validation", "spark.master=local[2]", "--out", dir.resolve("eval-parquet").toString());
        Peft.Run r = Peft.ok(fromParquet.toArray(String[]::new));
        assertTrue(r.out().contains("read 6 rows"), r.out());
        assertArrayEquals(Files.readAllBytes(dir.resolve("eval-jsonl/predictions.jsonl")),
                Files.readAllBytes(dir.resolve("eval-parquet/predictions.jsonl")));
        assertTrue(Files.readString(dir.resolve("eval-parquet/config.conf")).contains("\"" + parquet + "\""),
                "the saved config is the user's");
    }

    /**
     * Whole micro-batches per worker: the sum is formed in a single process's order, so every bit is the same. The
     * epoch-end evaluation runs on the executors too, with the adapter being trained, and gives the same files.
     */
    @Test
    void dataParallelTrainingOverMicroBatchesIsBitIdenticalToOneProcess() throws Exception {
        String[] setting = {"data.train_subset=24", "data.validation_subset=6", "train.batch_size=4",
            "train.grad_accum_steps=2", "train.epochs=1", "train.log_every=1", "eval.batch_size=2"};
        train("mb-local", setting);
        Peft.Run r = train("mb-spark", setting, "spark.master=local[2]", "spark.workers=2");
        assertTrue(r.out().contains("2 worker(s)"), r.out());
        assertEquals(Peft.stepLosses(dir.resolve("mb-local")), Peft.stepLosses(dir.resolve("mb-spark")));
        assertEquals(3, Peft.stepLosses(dir.resolve("mb-spark")).size());
        assertArrayEquals(Files.readAllBytes(dir.resolve("mb-local/adapter/adapter_model.safetensors")),
                Files.readAllBytes(dir.resolve("mb-spark/adapter/adapter_model.safetensors")),
                "dropout included: micro-batch j draws its masks from (seed, step, j) on whichever worker runs it");
        assertArrayEquals(Files.readAllBytes(dir.resolve("mb-local/eval/epoch-1/predictions.jsonl")),
                Files.readAllBytes(dir.resolve("mb-spark/eval/epoch-1/predictions.jsonl")));
        assertEquals(epochLine(dir.resolve("mb-local")), epochLine(dir.resolve("mb-spark")));
        assertTrue(epochLine(dir.resolve("mb-spark")).has("val_loss"), "the loss is compared too");
        assertTrue(r.out().contains("generation of 3 batches in 2 tasks"), "the epoch-end evaluation ran on Spark: "
                + r.out());
        JsonNode summary = Json.read(dir.resolve("mb-spark/summary.json")).path("spark");
        assertEquals(2, summary.path("workers").asInt());
        assertTrue(summary.path("bytes_from_workers_per_step").asLong() > 0, summary.toString());
    }

    @Test
    void promptTuningOnTwoWorkersIsBitIdenticalToOneProcess() throws Exception {
        String[] setting = {"data.train_subset=16", "data.validation_subset=4", "train.batch_size=4",
            "train.grad_accum_steps=2", "train.epochs=1", "train.log_every=1", "eval.every_epoch=false",
            "peft.method=prompt_tuning"};
        train("pt-local", setting);
        train("pt-spark", setting, "spark.master=local[2]", "spark.workers=2");
        assertEquals(Peft.stepLosses(dir.resolve("pt-local")), Peft.stepLosses(dir.resolve("pt-spark")));
        assertArrayEquals(Files.readAllBytes(dir.resolve("pt-local/adapter/adapter_model.safetensors")),
                Files.readAllBytes(dir.resolve("pt-spark/adapter/adapter_model.safetensors")));
    }

    /**
     * A Spark run resumed from its epoch-1 checkpoint (its saved config still says spark.master) ends with the
     * adapter and metrics of the run that was never stopped, with epoch-end evaluation and the report on.
     */
    @Test
    void aSparkRunResumesFromItsCheckpoint() throws Exception {
        String[] setting = {"data.train_subset=16", "data.validation_subset=4", "train.batch_size=4",
            "train.grad_accum_steps=2", "train.epochs=2", "train.log_every=1", "spark.master=local[2]",
            "spark.workers=2"};
        train("whole", setting);
        Path whole = dir.resolve("whole");
        for (String f : new String[] {"report.html", "summary.json", "epoch-1/trainer_state.json",
            "epoch-2/trainer_state.json"}) {
            assertTrue(Files.isRegularFile(whole.resolve(f)), f);
        }
        Path cut = dir.resolve("cut");
        copy(whole, cut);
        for (String gone : new String[] {"epoch-2", "adapter", "best", "summary.json", "report.html"}) {
            org.pefttrainer.core.io.AtomicFiles.deleteRecursively(cut.resolve(gone));
        }
        Peft.Run r = Peft.ok("train", "--resume", cut.toString());
        assertTrue(r.out().contains("spark: local[2]"), "the resumed run is on Spark again: " + r.out());
        assertArrayEquals(Files.readAllBytes(whole.resolve("adapter/adapter_model.safetensors")),
                Files.readAllBytes(cut.resolve("adapter/adapter_model.safetensors")));
        assertEquals(Peft.stepLosses(whole), Peft.stepLosses(cut));
        assertTrue(Files.isRegularFile(cut.resolve("report.html")));
    }

    private static void copy(Path from, Path to) throws java.io.IOException {
        try (var s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t);
                }
            }
        }
    }

    /**
     * Fewer micro-batches than workers: each worker takes rows of every micro-batch, weighted by its label tokens.
     * The losses and gradients equal one process's to float rounding (dropout off).
     */
    @Test
    void dataParallelTrainingOverRowsEqualsOneProcess() {
        String[] setting = {"data.train_subset=24", "data.validation_subset=4", "train.batch_size=8",
            "train.epochs=1", "train.log_every=1", "model.dropout=0", "peft.lora.dropout=0",
            "eval.every_epoch=false"};
        train("rows-local", setting);
        train("rows-spark", setting, "spark.master=local[2]", "spark.workers=2");
        List<JsonNode> a = steps(dir.resolve("rows-local"));
        List<JsonNode> b = steps(dir.resolve("rows-spark"));
        assertEquals(3, a.size());
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            for (String key : new String[] {"step_loss", "grad_norm"}) {
                double x = a.get(i).get(key).asDouble();
                assertEquals(x, b.get(i).get(key).asDouble(), 1e-5 * Math.abs(x), "step " + (i + 1) + " " + key);
            }
        }
        // The adapter: Adam divides by sqrt(v) + 1e-8, so gradient elements within rounding of zero move by up to
        // lr * rounding / 1e-8. Most tensors stay within 1e-4 of their largest value; a few move further.
        java.util.Map<String, float[]> x = Peft.tensors(dir.resolve("rows-local/adapter/adapter_model.safetensors"));
        java.util.Map<String, float[]> y = Peft.tensors(dir.resolve("rows-spark/adapter/adapter_model.safetensors"));
        List<Double> ratios = new ArrayList<>();
        x.forEach((name, v) -> {
            double max = 0;
            double diff = 0;
            for (int k = 0; k < v.length; k++) {
                max = Math.max(max, Math.abs(v[k]));
                diff = Math.max(diff, Math.abs(v[k] - y.get(name)[k]));
            }
            ratios.add(diff / max);
        });
        java.util.Collections.sort(ratios);
        System.out.printf("rows mode: adapter tensors' max |difference| / max |value|: median %.2e, worst %.2e, %d of"
                + " %d above 1e-4%n", ratios.get(ratios.size() / 2), ratios.get(ratios.size() - 1),
                ratios.stream().filter(r -> r > 1e-4).count(), ratios.size());
        assertTrue(ratios.get(ratios.size() / 2) < 1e-4, "median " + ratios.get(ratios.size() / 2));
        assertTrue(ratios.get(ratios.size() - 1) < 2e-3, "worst " + ratios.get(ratios.size() - 1));
    }

    private Peft.Run train(String name, String[] setting, String... extra) {
        List<String> args = Peft.args("train", model, dir, setting);
        args.add("run.name=" + name);
        args.addAll(List.of(extra));
        return Peft.ok(args.toArray(String[]::new));
    }

    /** metrics.jsonl's epoch line without its timing. */
    private static JsonNode epochLine(Path runDir) {
        JsonNode line = steps(runDir, "epoch").get(0);
        ((com.fasterxml.jackson.databind.node.ObjectNode) line).remove("eval_seconds");
        return line;
    }

    private static List<JsonNode> steps(Path runDir) {
        return steps(runDir, "step");
    }

    private static List<JsonNode> steps(Path runDir, String type) {
        List<JsonNode> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(runDir.resolve("metrics.jsonl"))) {
                JsonNode n = Json.MAPPER.readTree(line);
                if (type.equals(n.path("type").asText())) {
                    out.add(n);
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out;
    }
}
