package org.pefttrainer.cli.bench;

import java.util.List;
import java.util.concurrent.Callable;
import org.pefttrainer.core.generate.GenerateBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code peft bench generate}: greedy generation tokens/s with and without the KV cache (random weights). */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Tokens/s of batched greedy generation with and without the key/value cache, on random weights"
                + " of a config's shape; every row generates exactly --new tokens (EOS ignored).")
public final class GenerateBenchCommand implements Callable<Integer> {
    @Option(names = "--config", defaultValue = "../shared/models/t5-small/config.json") String config;
    @Option(names = "--batch", defaultValue = "8") int batch;
    @Option(names = "--source", defaultValue = "512") int source;
    @Option(names = "--new", defaultValue = "64") int newTokens;
    @Option(names = "--repeats", defaultValue = "3") int repeats;

    @Override
    public Integer call() {
        GenerateBench.main(List.of("--config=" + config, "--batch=" + batch, "--source=" + source,
                "--new=" + newTokens, "--repeats=" + repeats).toArray(String[]::new));
        return 0;
    }
}
