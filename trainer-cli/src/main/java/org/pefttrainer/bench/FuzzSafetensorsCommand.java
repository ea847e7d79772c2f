package org.pefttrainer.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
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
        Path dir = Files.createTempDirectory("peft-fuzz");
        Path file = dir.resolve("input.safetensors");
        try {
            SafetensorsFuzz fuzz = new SafetensorsFuzz(file);
            out.println("bench fuzz-safetensors: seeds " + SafetensorsFuzz.describeSeeds(fuzz) + "; " + inputs
                    + " inputs, seed " + seed);
            out.flush();
            SafetensorsFuzz.Result r = fuzz.run(inputs, seed);
            out.printf(Locale.ROOT, "bench fuzz-safetensors: %,d inputs in %.1f s (%,.0f/s): %,d loaded correctly, %,d"
                    + " refused with a one-line error, %,d findings%n", r.inputs(), r.seconds(), r.inputs() / r.seconds(),
                    r.loaded(), r.refused(), r.findingCount());
            out.println("  by mutation: " + r.byMutation());
            r.findings().forEach(f -> out.println("  finding: " + f));
            out.flush();
            return r.findingCount() == 0 ? 0 : 1;
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(dir);
        }
    }
}
