package org.pefttrainer.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What would hang or end in a stack trace on a cluster is one line naming the setting, and fast. */
class SparkErrorsTest {
    @TempDir static Path dir;
    static Path model;

    @BeforeAll
    static void makeModel() {
        model = Peft.tinyModel(dir);
    }

    /** The run fails with exactly one line on stderr, which contains {@code expected}. */
    private static void oneLineError(String expected, String... args) {
        List<String> a = new ArrayList<>(List.of(args));
        long t0 = System.nanoTime();
        Peft.Run r = Peft.run(a.toArray(String[]::new));
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertNotEquals(0, r.exit(), r.out());
        List<String> lines = r.err().lines().filter(l -> !l.isBlank()).toList();
        assertEquals(1, lines.size(), r.err());
        assertTrue(lines.get(0).contains(expected), lines.get(0));
        assertTrue(seconds < 60, "took " + seconds + " s");
    }

    private static String[] eval(String out, String... extra) {
        List<String> a = Peft.args("eval", model, dir, "data.split=validation", "data.subset=4");
        a.addAll(List.of(extra));
        a.addAll(List.of("--out", dir.resolve(out).toString()));
        return a.toArray(String[]::new);
    }

    @Test
    void aModelFolderMissingOnTheExecutorsIsOneLine() {
        oneLineError("does not exist on executor host", eval("missing-model", "spark.master=local[2]",
                "spark.model_path=" + dir.resolve("not-there")));
        assertFalse(Files.exists(dir.resolve("missing-model")), "nothing is left behind");
    }

    @Test
    void aMasterNobodyListensOnIsOneLine() {
        oneLineError("cannot reach the master at 127.0.0.1:1", eval("no-master", "spark.master=spark://127.0.0.1:1"));
    }

    @Test
    void aMasterUrlSparkCannotReadIsOneLine() {
        oneLineError("spark.master = nonsense", eval("bad-url", "spark.master=nonsense"));
    }

    @Test
    void fewerSlotsThanWorkersIsOneLine() {
        List<String> a = Peft.args("train", model, dir, "data.train_subset=8", "run.name=too-many",
                "spark.master=local[2]", "spark.workers=3", "spark.connect_timeout_s=1");
        oneLineError("spark.workers = 3, but the cluster at local[2] has 2 task slot(s)", a.toArray(String[]::new));
        assertFalse(Files.exists(dir.resolve("too-many")), "the run folder of a run that never started is removed");
    }

    @Test
    void fullFineTuningIsRefusedWithTheReason() {
        List<String> a = Peft.args("train", model, dir, "data.train_subset=8", "run.name=full",
                "spark.master=local[2]", "peft.method=full");
        oneLineError("peft.method = full on Spark", a.toArray(String[]::new));
    }

    @Test
    void parquetWithoutSparkSaysHowToReadIt() {
        oneLineError("is read through Apache Spark; set spark.master", eval("parquet-local", "data.format=parquet"));
    }
}
