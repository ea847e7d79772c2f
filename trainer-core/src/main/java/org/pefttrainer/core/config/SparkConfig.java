package org.pefttrainer.core.config;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Section {@code spark}: running eval and train on an Apache Spark cluster (the trainer-spark module, docs/spark.md).
 *
 * @param master             the Spark master URL ({@code local[2]}, {@code spark://host:7077}, {@code yarn}, ...);
 *                           empty: no Spark, unless spark-submit gave one
 * @param workers            training: data-parallel workers, each computing the gradient of its share of every
 *                           batch; eval: partitions of the dataset. 0 = one per task slot of the cluster
 * @param modelPath          the model folder as the executors see it (shared storage, or a copy on every node);
 *                           empty: model.path
 * @param taskCpus           cores each task is given (spark.task.cpus), and so the PyTorch threads it runs
 * @param conf               further Spark properties, passed as they are
 * @param predictionsParquet eval also writes predictions.parquet
 * @param connectTimeoutS    how long to wait for the master and for enough executors before giving up
 */
public record SparkConfig(Optional<String> master, int workers, Optional<Path> modelPath, int taskCpus,
        Map<String, String> conf, boolean predictionsParquet, double connectTimeoutS) {

    public SparkConfig {
        conf = Map.copyOf(conf);
    }
}
