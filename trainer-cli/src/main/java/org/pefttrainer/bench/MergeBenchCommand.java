package org.pefttrainer.bench;

import org.pefttrainer.core.ProcessMemory;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.pefttrainer.core.io.AtomicFiles;
import org.pefttrainer.core.io.hf.HfCheckpointWriter;
import org.pefttrainer.core.io.hf.HfModelFolder;
import org.pefttrainer.core.io.safetensors.DType;
import org.pefttrainer.peft.lora.LoraWeights;
import org.pefttrainer.peft.merge.LoraMerger;
import org.pefttrainer.peft.merge.MergeInputs;
import org.pefttrainer.peft.merge.MergedModelWriter;
import org.pefttrainer.peft.merge.WeightedAdapters;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code peft bench merge}: time and peak memory of a streaming merge. */
@Command(name = "merge", mixinStandardHelpOptions = true,
        description = {"Merges a LoRA adapter into --base (as `peft merge` does, without --verify) and prints the time,"
                + " the checkpoint size and the process's peak RSS (VmHWM) before and after. Without --adapter a random"
                + " LoRA adapter is made from the base's config alone (no weights loaded).",
            "Example: peft init-model --config ../shared/models/t5-small/config.json --tokenizer"
                    + " ../shared/models/flan-t5-small/tokenizer.json --out /tmp/t5s --max-shard-size 100MB;"
                    + " peft bench merge --base /tmp/t5s"})
public final class MergeBenchCommand implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--base", required = true, paramLabel = "DIR", description = "Base model folder.")
    Path base;

    @Option(names = "--adapter", paramLabel = "DIR", description = "LoRA adapter (default: a random one, see --rank, --targets).")
    Path adapter;

    @Option(names = "--rank", defaultValue = "16", description = "Rank of the random adapter (default: ${DEFAULT-VALUE}).")
    int rank;

    @Option(names = "--targets", defaultValue = "all-linear", description = "Targets of the random adapter (default: ${DEFAULT-VALUE}).")
    String targets;

    @Option(names = "--dtype", defaultValue = "f32", description = "Output dtype (default: ${DEFAULT-VALUE}).")
    String dtype;

    @Option(names = "--max-shard-size", defaultValue = "100MB", description = "Output shard size (default: ${DEFAULT-VALUE}).")
    String maxShardSize;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        HfModelFolder folder = HfModelFolder.open(base);
        Path work = BenchAdapters.tempDir("peft-bench-merge");
        try {
            Path a = adapter != null ? adapter : BenchAdapters.lora(work.resolve("adapter"), MergeInputs.layout(folder),
                    rank, BenchAdapters.list(targets), 1);
            double rssBefore = ProcessMemory.rssMib();
            double peakBefore = ProcessMemory.peakRssMib();
            long t0 = System.nanoTime();
            LoraWeights w = MergeInputs.read(folder, List.of(a), null, WeightedAdapters.Combination.LINEAR);
            MergedModelWriter.Result r = MergedModelWriter.write(folder, LoraMerger.of(w, MergeInputs.layout(folder)),
                    work.resolve("merged"), DType.parseUserName(dtype), HfCheckpointWriter.parseShardSize(maxShardSize), false);
            double seconds = (System.nanoTime() - t0) / 1e9;
            double peakAfter = ProcessMemory.peakRssMib();
            out.printf(Locale.ROOT, "bench merge: %s + LoRA r=%d on %d modules (%,d adapter parameters) -> %d tensors,"
                            + " %.1f MB %s in %d file(s)%n", base, w.config().r(), w.modules().size(),
                    w.modules().values().stream().mapToLong(m -> (long) m.r() * (m.in() + m.out())).sum(), r.tensors(),
                    r.weightBytes() / 1e6, r.dtype(), r.weightFiles().size());
            out.printf(Locale.ROOT, "merge: %.2f s (%.0f MB/s written); RSS %.0f MiB before, peak %.0f MiB (process,"
                    + " JVM included; the peak before the merge was %.0f MiB)%n", seconds, r.weightBytes() / 1e6 / seconds,
                    rssBefore, peakAfter, peakBefore);
            out.flush();
        } finally {
            AtomicFiles.deleteRecursively(work);
        }
        return 0;
    }
}
