package org.pefttrainer.spark;

import org.pefttrainer.cli.PeftCli;

/**
 * The spark-submit entry point: {@code spark-submit --class org.pefttrainer.spark.SparkMain JAR train|eval CONFIG
 * key=value...}. The commands are peft's own; spark-submit's --master and --conf reach Spark as system properties.
 */
public final class SparkMain {
    private SparkMain() {}

    public static void main(String[] args) {
        PeftCli.main(args);
    }
}
