package org.pefttrainer.bench;

import ai.djl.ndarray.NDManager;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.generate.GenerationConfig;
import org.pefttrainer.core.generate.TextGenerator;
import org.pefttrainer.core.io.AtomicFiles;
import org.pefttrainer.core.io.hf.HfModelFolder;
import org.pefttrainer.core.model.ForwardContext;
import org.pefttrainer.core.model.ModelLayout;
import org.pefttrainer.core.model.registry.Architectures;
import org.pefttrainer.core.model.LanguageModel;
import org.pefttrainer.peft.registry.AdapterBatch;
import org.pefttrainer.peft.registry.AdapterRegistry;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code peft bench mixed-batch}: one mixed-adapter generate call against one call per adapter. */
@Command(name = "mixed-batch", mixinStandardHelpOptions = true,
        description = {"Generate throughput (greedy, fixed lengths: every row generates --new-tokens tokens, EOS"
                + " ignored) of --rows rows spread over LoRA adapters of --ranks: one mixed-adapter batch against one"
                + " batch per adapter, with the bare base model and a single-adapter batch of all rows for reference.",
            "Example: peft bench mixed-batch --model /tmp/t5s"})
public final class MixedBatchBenchCommand implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Base model folder.")
    Path model;

    @Option(names = "--rows", defaultValue = "8", description = "Rows in all (default: ${DEFAULT-VALUE}).")
    int rows;

    @Option(names = "--ranks", defaultValue = "4,8,8,16", description = "One LoRA adapter per rank (default: ${DEFAULT-VALUE}).")
    String ranks;

    @Option(names = "--targets", defaultValue = "default", description = "LoRA targets: names, all-linear, or"
            + " default (PEFT's for the architecture: q,v; q_proj,v_proj; c_attn) (default: ${DEFAULT-VALUE}).")
    String targets;

    @Option(names = "--src", defaultValue = "64", description = "Source tokens per row (default: ${DEFAULT-VALUE}).")
    int src;

    @Option(names = "--new-tokens", defaultValue = "32", description = "Generated tokens per row (default: ${DEFAULT-VALUE}).")
    int newTokens;

    @Option(names = "--rounds", defaultValue = "3", description = "Timed rounds, after one warm-up (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<Integer> r = BenchAdapters.list(ranks).stream().map(Integer::parseInt).toList();
        int n = r.size();
        if (rows % n != 0) {
            throw new UserException("--rows " + rows + " must be a multiple of the number of adapters (" + n + ")");
        }
        Path work = BenchAdapters.tempDir("peft-bench-mixed");
        try (NDManager root = NDManager.newBaseManager()) {
            LanguageModel base = Architectures.load(HfModelFolder.open(model), root.newSubManager());
            ModelLayout layout = ModelLayout.of(base);
            try (AdapterRegistry reg = new AdapterRegistry(base, root)) {
                for (int i = 0; i < n; i++) {
                    reg.load("a" + i, BenchAdapters.lora(work.resolve("a" + i), layout, r.get(i),
                            BenchAdapters.list(targets), 200 + i));
                }
                Random rnd = new Random(7);
                List<long[]> inputs = new ArrayList<>();
                List<String> rowAdapters = new ArrayList<>();
                for (int i = 0; i < rows; i++) {
                    long[] ids = new long[src];
                    for (int k = 0; k < src - 1; k++) {
                        ids[k] = 3 + rnd.nextInt(Math.min(base.vocabSize(), 30000) - 3);
                    }
                    ids[src - 1] = base instanceof org.pefttrainer.core.model.Seq2SeqLM ? base.eosTokenId()
                            : 3 + rnd.nextInt(Math.min(base.vocabSize(), 30000) - 3);
                    inputs.add(ids);
                    rowAdapters.add("a" + (i % n));
                }
                GenerationConfig config = GenerationConfig.builder().maxNewTokens(newTokens).ignoreEos(true).build();
                TextGenerator gen = TextGenerator.of(base);
                long tokens = (long) rows * newTokens;
                out.printf(Locale.ROOT, "bench mixed-batch: %s, %d rows x %d source tokens, %d new tokens each (greedy,"
                        + " EOS ignored), LoRA ranks %s on %s, %d row(s) per adapter; median of %d rounds after a warm-up%n",
                        model, rows, src, newTokens, r, targets, rows / n, rounds);
                double mixed = tokensPerSecond(tokens, () -> {
                    try (AdapterBatch b = reg.batch(rowAdapters); NDManager m = root.newSubManager()) {
                        gen.generate(b.attach(ForwardContext.inference(m)), inputs, config);
                    }
                });
                double separate = tokensPerSecond(tokens, () -> {
                    for (int a = 0; a < n; a++) {
                        List<long[]> mine = new ArrayList<>();
                        for (int i = a; i < rows; i += n) {
                            mine.add(inputs.get(i));
                        }
                        try (AdapterBatch b = reg.batch("a" + a); NDManager m = root.newSubManager()) {
                            gen.generate(b.attach(ForwardContext.inference(m)), mine, config);
                        }
                    }
                });
                double single = tokensPerSecond(tokens, () -> {
                    try (AdapterBatch b = reg.batch("a" + (n - 1)); NDManager m = root.newSubManager()) {
                        gen.generate(b.attach(ForwardContext.inference(m)), inputs, config);
                    }
                });
                double plain = tokensPerSecond(tokens, () -> {
                    try (NDManager m = root.newSubManager()) {
                        gen.generate(ForwardContext.inference(m), inputs, config);
                    }
                });
                out.printf(Locale.ROOT, "mixed batch (%d rows, %d adapters, one generate call): %.1f tokens/s%n", rows, n,
                        mixed);
                out.printf(Locale.ROOT, "separate batches (%d calls of %d rows): %.1f tokens/s (mixed is %.2fx)%n", n,
                        rows / n, separate, mixed / separate);
                out.printf(Locale.ROOT, "reference: one adapter for all %d rows %.1f tokens/s; base model, no adapter"
                        + " %.1f tokens/s%n", rows, single, plain);
            }
            out.flush();
        } finally {
            AtomicFiles.deleteRecursively(work);
        }
        return 0;
    }

    private double tokensPerSecond(long tokens, Runnable run) {
        run.run();
        double[] rate = new double[rounds];
        for (int i = 0; i < rounds; i++) {
            long s = System.nanoTime();
            run.run();
            rate[i] = tokens / ((System.nanoTime() - s) / 1e9);
        }
        return BenchAdapters.median(rate);
    }
}
