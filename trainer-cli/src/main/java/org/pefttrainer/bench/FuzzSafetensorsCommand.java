package org.pefttrainer.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code peft bench fuzz-safetensors}: the long run of {@link SafetensorsFuzz}. */
@Command(name = "fuzz-safetensors", mixinStandardHelpOptions = true,
        description = {"Mutation fuzzing of the safetensors reader from real files (header length, dtypes, shapes,"
                + " offsets, duplicate keys, overlaps, truncation, bit flips, non-UTF-8): every input must end in a"
                + " one-line error naming the file (and the broken tensor) or in a load whose values equal the bytes."
                + " Exit 1 on any finding.",
            "Example: peft bench fuzz-safetensors --inputs 1000000 --seed 1"})
public final class FuzzSafetensorsCommand implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--inputs", defaultValue = "1000000", description = "Inputs to run (default: ${DEFAULT-VALUE}).")
    long inputs;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the mutations (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        return MutationFuzz.inTempFile("input.safetensors", file -> {
            SafetensorsFuzz fuzz = new SafetensorsFuzz(file);
            out.println("bench fuzz-safetensors: seeds " + SafetensorsFuzz.describeSeeds(fuzz) + "; " + inputs + " inputs, seed " + seed);
            out.flush();
            return MutationFuzz.report(out, "fuzz-safetensors", fuzz.run(inputs, seed));
        });
    }
}
