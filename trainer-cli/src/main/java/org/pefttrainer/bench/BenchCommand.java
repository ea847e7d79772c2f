package org.pefttrainer.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code peft bench}: a parent for benchmarks; each sub-command measures one thing and prints its figures. */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = "Benchmarks. Each sub-command prints its throughput.",
        subcommands = {RougeBenchCommand.class, org.pefttrainer.bench.TrainStepBenchCommand.class,
            org.pefttrainer.bench.GenerateBenchCommand.class,
            MergeBenchCommand.class, AdapterSwapBenchCommand.class, MixedBatchBenchCommand.class,
            ServeLoadBenchCommand.class, org.pefttrainer.bench.FuzzSafetensorsCommand.class, FuzzBinCommand.class,
            org.pefttrainer.bench.CrashResumeCommand.class, ContentionBenchCommand.class, StreamBenchCommand.class,
            SparkEvalBenchCommand.class, SparkTrainBenchCommand.class})
public final class BenchCommand implements Runnable {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
