package org.pefttrainer.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.config.ConfigLoader;
import org.pefttrainer.core.io.AtomicFiles;
import org.pefttrainer.core.io.Json;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code peft bench spark-train}: what data-parallel training on Spark adds to a step. For each method and number
 * of workers, a short {@code peft train} on a local-cluster master (one executor JVM per worker) reports, from its
 * summary.json, the step's wall time, the slowest worker's compute, the difference (the exchange: broadcast, task
 * launch, results, summing) and the bytes sent each way; a run without Spark gives the step time it is compared to.
 */
@Command(name = "spark-train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Per-step overhead (ms) and bytes exchanged of data-parallel training on a local-cluster Spark"
                + " master, for LoRA and prompt tuning at 1 and 2 workers, against the same training without Spark.",
            "Example: peft bench spark-train --config configs/lora-dialogsum-causal.conf --model DIR"})
public final class SparkTrainBenchCommand implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "Training config (default: configs/default.conf).")
    Path config;

    @Option(names = "--model", paramLabel = "DIR", description = "model.path (default: the config's).")
    Path model;

    @Option(names = "--methods", split = ",", defaultValue = "lora,prompt_tuning",
            description = "peft.method values (default: ${DEFAULT-VALUE}).")
    List<String> methods;

    @Option(names = "--workers", split = ",", defaultValue = "1,2", description = "Worker counts (default: ${DEFAULT-VALUE}).")
    List<Integer> workers;

    @Option(names = "--steps", defaultValue = "6", description = "Optimizer steps per run (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--batch", defaultValue = "4", description = "train.batch_size, rows per micro-batch (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--source-length", defaultValue = "128", description = "data.max_source_length (default: ${DEFAULT-VALUE}).")
    int sourceLength;

    @Option(names = "--executor-memory-mb", defaultValue = "2048", description = "Heap of each executor JVM (default: ${DEFAULT-VALUE}).")
    int executorMemory;

    @Override
    public Integer call() throws Exception {
        Path cfg = config != null ? config : ConfigLoader.defaultConfigFile().orElseThrow(() -> new UserException(
                "configs/default.conf not found: give --config"));
        Path work = Files.createTempDirectory("bench-spark-train");
        var out = spec.commandLine().getOut();
        int accum = workers.stream().mapToInt(Integer::intValue).max().orElse(1);
        try {
            out.printf(Locale.ROOT, "peft train %s%s, %d steps of %d micro-batches x %d rows (source <= %d tokens),"
                    + " one executor JVM (1 core) per worker, on %d cores%n", cfg, model == null ? "" : " model.path="
                    + model, steps, accum, batch, sourceLength, Runtime.getRuntime().availableProcessors());
            out.printf(Locale.ROOT, "%-14s %-8s %10s %12s %12s %12s %14s %14s%n", "method", "workers", "step ms",
                    "compute ms", "overhead ms", "local ms", "bytes out", "bytes back");
            for (String method : methods) {
                JsonNode local = run(cfg, work, method, 0, accum);
                double localMs = 1000 * local.path("train_seconds").asDouble() / local.path("steps").asDouble();
                for (int w : workers) {
                    JsonNode s = run(cfg, work, method, w, accum).path("spark");
                    out.printf(Locale.ROOT, "%-14s %-8d %10.0f %12.0f %12.0f %12.0f %,14d %,14d%n", method, w,
                            s.path("step_ms").asDouble(), s.path("worker_compute_ms").asDouble(),
                            s.path("overhead_ms").asDouble(), localMs, s.path("bytes_to_workers_per_step").asLong(),
                            s.path("bytes_from_workers_per_step").asLong());
                    out.flush();
                }
            }
            out.println("step ms: the driver's wall time per step after the first (which also loads the model on"
                    + " the executors); compute: the slowest worker's forward + backward; overhead = step - compute;"
                    + " local: the same run without Spark (train_seconds / steps)");
            out.println("logs: " + work);
            return 0;
        } finally {
            if (System.getenv("PEFT_BENCH_KEEP") == null) {
                AtomicFiles.deleteRecursively(work);
            }
        }
    }

    /** One training (workers 0: without Spark); returns its summary.json. */
    private JsonNode run(Path cfg, Path work, String method, int w, int accum) throws Exception {
        String name = method + "-" + (w == 0 ? "local" : w + "w");
        List<String> args = new ArrayList<>(List.of("train", cfg.toString(), "peft.method=" + method,
                "train.max_steps=" + steps, "train.batch_size=" + batch, "train.grad_accum_steps=" + accum,
                "data.train_subset=" + (steps * accum * batch), "data.max_source_length=" + sourceLength,
                "eval.every_epoch=false", "train.log_every=1", "run.output_dir=" + work, "run.name=" + name));
        if (model != null) {
            args.add("model.path=" + model);
        }
        if (w > 0) {
            args.addAll(List.of("spark.master=local-cluster[" + w + ",1," + executorMemory + "]",
                    "spark.workers=" + w));
        }
        SparkChild.run(args, work.resolve(name + ".log"));
        return Json.read(work.resolve(name).resolve("summary.json"));
    }
}
