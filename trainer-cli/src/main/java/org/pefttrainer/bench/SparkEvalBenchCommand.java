package org.pefttrainer.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.config.ConfigLoader;
import org.pefttrainer.core.io.AtomicFiles;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code peft bench spark-eval}: the same {@code peft eval} in one process and on a multi-JVM Spark cluster
 * ({@code local-cluster}) on the same cores: wall times, and the cluster's start-up (application, executor JVMs,
 * model loads) apart from its per-example cost. Both runs must write the same predictions.
 */
@Command(name = "spark-eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"peft eval locally and on a local-cluster Spark master (executor JVMs) on the same cores:"
                + " wall time ratio, start-up cost and per-example cost.",
            "Example: peft bench spark-eval --examples 60 --cluster 'local-cluster[2,1,2048]'"})
public final class SparkEvalBenchCommand implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "Eval config (default: configs/default.conf).")
    Path config;

    @Option(names = "--model", paramLabel = "DIR", description = "model.path (default: the config's).")
    Path model;

    @Option(names = "--examples", defaultValue = "60", description = "Examples (data.subset; default: ${DEFAULT-VALUE}).")
    int examples;

    @Option(names = "--cluster", defaultValue = "local-cluster[2,1,2048]",
            description = "Spark master of the distributed run (default: ${DEFAULT-VALUE}).")
    String cluster;

    @Option(names = "--max-new-tokens", defaultValue = "32", description = "generation.max_new_tokens (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Override
    public Integer call() throws Exception {
        Path cfg = config != null ? config : ConfigLoader.defaultConfigFile().orElseThrow(() -> new UserException(
                "configs/default.conf not found: give --config"));
        Path work = Files.createTempDirectory("bench-spark-eval");
        var out = spec.commandLine().getOut();
        try {
            List<String> common = new ArrayList<>(List.of("eval", cfg.toString(), "data.subset=" + examples,
                    "generation.max_new_tokens=" + maxNewTokens, "eval.bootstrap.samples=0"));
            if (model != null) {
                common.add("model.path=" + model);
            }
            SparkChild.run(args(common, work.resolve("warmup"), "data.subset=2"), work.resolve("warmup.log"));
            SparkChild.Result local = SparkChild.run(args(common, work.resolve("local")), work.resolve("local.log"));
            SparkChild.Result spark = SparkChild.run(args(common, work.resolve("spark"), "spark.master=" + cluster),
                    work.resolve("spark.log"));
            if (!Files.readString(work.resolve("local/predictions.jsonl"))
                    .equals(Files.readString(work.resolve("spark/predictions.jsonl")))) {
                throw new UserException("the two runs wrote different predictions; see " + work);
            }
            double localGen = SparkChild.number(local.output(), "examples in ([0-9.]+)s");
            double appStart = SparkChild.number(spark.output(), "started in ([0-9.]+) s");
            double slots = SparkChild.number(spark.output(), "task slot\\(s\\) ready after ([0-9.]+) s");
            double sparkGen = SparkChild.number(spark.output(), "spark: generation of [0-9]+ batches in [0-9]+ tasks:"
                    + " ([0-9.]+) s");
            double load = SparkChild.number(spark.output(), "loading the base model on the executors: ([0-9.]+) s");
            double sparkLoss = SparkChild.number(spark.output(), "spark: loss of [0-9]+ batches in [0-9]+ tasks:"
                    + " ([0-9.]+) s");
            out.printf(Locale.ROOT, "peft eval %s%s, %d examples, max_new_tokens %d, on %d cores; same"
                    + " predictions.jsonl%n", cfg, model == null ? "" : " model.path=" + model, examples, maxNewTokens,
                    Runtime.getRuntime().availableProcessors());
            out.printf(Locale.ROOT, "%-34s %8.1f s wall; generation %.1f s (%.3f s/example)%n", "one process", local.seconds(),
                    localGen, localGen / examples);
            out.printf(Locale.ROOT, "%-34s %8.1f s wall (%.2fx); application start %.1f s, executor JVMs ready %.1f s"
                    + " later; generation %.1f s, of which loading the model on the executors %.1f s (%.3f s/example"
                    + " after it); loss %.1f s%n", cluster, spark.seconds(), spark.seconds() / local.seconds(),
                    appStart, slots, sparkGen, load, (sparkGen - load) / examples, sparkLoss);
            out.println("logs: " + work);
            return 0;
        } finally {
            if (System.getenv("PEFT_BENCH_KEEP") == null) {
                AtomicFiles.deleteRecursively(work);
            }
        }
    }

    private static List<String> args(List<String> common, Path outDir, String... extra) {
        List<String> a = new ArrayList<>(common);
        a.addAll(List.of(extra));
        a.addAll(List.of("--out", outDir.toString()));
        return a;
    }
}
