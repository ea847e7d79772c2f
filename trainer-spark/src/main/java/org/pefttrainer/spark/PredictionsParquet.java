package org.pefttrainer.spark;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.io.AtomicFiles;
import org.pefttrainer.eval.evaluate.EvalOutput;

/** spark.predictions_parquet: predictions.jsonl again as Parquet (one file, the same rows in the same order). */
final class PredictionsParquet {
    static final String NAME = "predictions.parquet";

    private PredictionsParquet() {}

    static void write(JavaSparkContext sc, Path outDir, PrintStream out) {
        Path jsonl = outDir.resolve(EvalOutput.PREDICTIONS).toAbsolutePath();
        Path tmp = outDir.resolve("." + NAME + ".tmp").toAbsolutePath();
        Path target = outDir.resolve(NAME);
        AtomicFiles.deleteRecursively(tmp);
        SparkSession spark = SparkSession.builder().sparkContext(sc.sc()).getOrCreate();
        spark.read().json(jsonl.toString()).coalesce(1).write().mode(SaveMode.ErrorIfExists).parquet(tmp.toString());
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UserException(target + ": cannot write (" + e.getMessage() + ")");
        }
        out.println("wrote " + target);
    }
}
