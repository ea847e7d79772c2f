package org.pefttrainer.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code peft bench fuzz-bin}: the long run of {@link TorchPickleFuzz}. */
@Command(name = "fuzz-bin", mixinStandardHelpOptions = true,
        description = {"Mutation fuzzing of the adapter_model.bin (torch.save) reader from files torch.save wrote"
                + " (pickle bytes, bits, truncation, huge integers, a code-running global, storage records truncated,"
                + " grown or missing, a cut zip): every input must load or end in a one-line error naming the file."
                + " Exit 1 on any finding.",
            "Example: peft bench fuzz-bin --inputs 100000 --seed 1"})
public final class FuzzBinCommand implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--inputs", defaultValue = "100000", description = "Inputs to run (default: ${DEFAULT-VALUE}).")
    long inputs;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the mutations (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        return MutationFuzz.inTempFile("adapter_model.bin", file -> {
            TorchPickleFuzz fuzz = new TorchPickleFuzz(file);
            out.println("bench fuzz-bin: seeds " + TorchPickleFuzz.SEEDS + "; " + inputs + " inputs, seed " + seed);
            out.flush();
            return MutationFuzz.report(out, "fuzz-bin", fuzz.run(inputs, seed));
        });
    }
}
