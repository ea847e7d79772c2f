package org.pefttrainer.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;
import org.pefttrainer.core.config.ConfigLoader;
import org.pefttrainer.core.config.SparkConfig;

/** The spark section as a user writes it on the command line, and the Spark properties it becomes. */
class SparkConfTest {
    private static SparkConfig spark(String... overrides) {
        return ConfigLoader.loadSchemaDefaults(List.of(overrides)).settings().spark();
    }

    @Test
    void masterUrlsAreTakenAsWrittenInOverrides() {
        assertEquals("local[2]", spark("spark.master=local[2]").master().orElseThrow());
        assertEquals("spark://host-1:7077", spark("spark.master=spark://host-1:7077").master().orElseThrow());
        assertEquals("local-cluster[2,1,1024]", spark("spark.master=local-cluster[2,1,1024]").master().orElseThrow());
        assertEquals("k8s://https://10.0.0.1:6443", spark("spark.master=k8s://https://10.0.0.1:6443").master()
                .orElseThrow());
        assertTrue(spark().master().isEmpty(), "no Spark by default");
    }

    @Test
    void theSectionBecomesSparkProperties() {
        SparkConf conf = SparkContexts.conf(spark("spark.master=spark://h:7077", "spark.task_cpus=4",
                "spark.conf.\"spark.executor.memory\"=6g", "spark.conf.\"spark.executor.cores\"=8"), "app");
        assertEquals("spark://h:7077", conf.get("spark.master"));
        assertEquals("4", conf.get("spark.task.cpus"));
        assertEquals("6g", conf.get("spark.executor.memory"));
        assertEquals("8", conf.get("spark.executor.cores"));
        assertEquals("PASSIVE", conf.get("spark.executorEnv.OMP_WAIT_POLICY"));
        assertTrue(conf.get("spark.executor.extraJavaOptions").contains("-Dai.djl.pytorch.num_threads=4"),
                conf.get("spark.executor.extraJavaOptions"));
        assertTrue(conf.get("spark.executor.extraJavaOptions").contains("-Dai.djl.offline=true"));
    }

    @Test
    void theUsersOwnSettingsWin() {
        SparkConf conf = SparkContexts.conf(spark("spark.master=local[2]",
                "spark.conf.\"spark.executorEnv.OMP_WAIT_POLICY\"=ACTIVE", "spark.conf.\"spark.task.cpus\"=2"), "app");
        assertEquals("ACTIVE", conf.get("spark.executorEnv.OMP_WAIT_POLICY"));
        assertEquals("2", conf.get("spark.task.cpus"));
        assertTrue(conf.get("spark.executor.extraJavaOptions").contains("-Dai.djl.pytorch.num_threads=2"),
                "PyTorch follows the task's cores however they were set");
    }
}
