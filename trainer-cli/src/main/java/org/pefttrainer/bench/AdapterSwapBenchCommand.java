package org.pefttrainer.bench;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import org.pefttrainer.core.io.AtomicFiles;
import org.pefttrainer.core.io.hf.HfModelFolder;
import org.pefttrainer.core.model.ForwardContext;
import org.pefttrainer.core.model.ModelLayout;
import org.pefttrainer.core.model.registry.Architectures;
import org.pefttrainer.core.model.LanguageModel;
import org.pefttrainer.core.task.TaskForward;
import org.pefttrainer.peft.registry.AdapterBatch;
import org.pefttrainer.peft.registry.AdapterRegistry;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code peft bench adapter-swap}: what loading, activating and switching adapters costs. */
@Command(name = "adapter-swap", mixinStandardHelpOptions = true,
        description = {"Loads --adapters random LoRA adapters into an adapter registry over --model and prints: load"
                + " time per adapter, the cost of activating one by name per call (lookup + hooks, no compute), and the"
                + " time of a forward pass (batch 1) when every call switches adapter (A, B, A, ...) against always the"
                + " same one and against the bare base model.",
            "Example: peft bench adapter-swap --model /tmp/t5s"})
public final class AdapterSwapBenchCommand implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Base model folder.")
    Path model;

    @Option(names = "--adapters", defaultValue = "4", description = "Adapters to load (default: ${DEFAULT-VALUE}).")
    int count;

    @Option(names = "--rank", defaultValue = "8", description = "LoRA rank (default: ${DEFAULT-VALUE}).")
    int rank;

    @Option(names = "--targets", defaultValue = "default", description = "LoRA targets: names, all-linear, or"
            + " default (PEFT's for the architecture: q,v; q_proj,v_proj; c_attn) (default: ${DEFAULT-VALUE}).")
    String targets;

    @Option(names = "--calls", defaultValue = "20000", description = "Activations timed (default: ${DEFAULT-VALUE}).")
    int calls;

    @Option(names = "--forwards", defaultValue = "20", description = "Forward passes timed per mode (default: ${DEFAULT-VALUE}).")
    int forwards;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Path work = BenchAdapters.tempDir("peft-bench-swap");
        try (NDManager root = NDManager.newBaseManager()) {
            long t0 = System.nanoTime();
            LanguageModel base = Architectures.load(HfModelFolder.open(model), root.newSubManager());
            double baseLoad = (System.nanoTime() - t0) / 1e9;
            ModelLayout layout = ModelLayout.of(base);
            List<Path> dirs = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                dirs.add(BenchAdapters.lora(work.resolve("a" + i), layout, rank, BenchAdapters.list(targets), 100 + i));
            }
            try (AdapterRegistry reg = new AdapterRegistry(base, root)) {
                double[] load = new double[count];
                for (int i = 0; i < count; i++) {
                    long s = System.nanoTime();
                    reg.load("a" + i, dirs.get(i));
                    load[i] = (System.nanoTime() - s) / 1e6;
                }
                long params = reg.list().get("a0").parameters();
                out.printf(Locale.ROOT, "bench adapter-swap: %s (base loaded in %.2f s), %d LoRA adapters r=%d on %s"
                        + " (%,d parameters each)%n", model, baseLoad, count, rank, targets, params);
                out.printf(Locale.ROOT, "load from folder: median %.1f ms per adapter (min %.1f, max %.1f)%n",
                        BenchAdapters.median(load), Arrays.stream(load).min().orElse(0), Arrays.stream(load).max().orElse(0));

                ForwardContext plain = ForwardContext.inference(root);
                for (int i = 0; i < Math.min(calls, 2000); i++) { // warm-up
                    try (AdapterBatch b = reg.batch("a" + (i % count))) {
                        b.attach(plain);
                    }
                }
                long s = System.nanoTime();
                for (int i = 0; i < calls; i++) {
                    try (AdapterBatch b = reg.batch("a" + (i % count))) {
                        b.attach(plain);
                    }
                }
                double activation = (System.nanoTime() - s) / 1e3 / calls;
                List<String> rows = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    rows.add("a" + (i % count));
                }
                s = System.nanoTime();
                for (int i = 0; i < calls; i++) {
                    try (AdapterBatch b = reg.batch(rows)) {
                        b.attach(plain);
                    }
                }
                double mixedActivation = (System.nanoTime() - s) / 1e3 / calls;
                out.printf(Locale.ROOT, "activate by name (lookup, lease, hooks; switching every call): %.2f us per call;"
                        + " a mixed 8-row batch over %d adapters: %.2f us (its rank-padded matrices are gathered at the"
                        + " first forward, inside the forward times below)%n", activation, count, mixedActivation);

                // Round robin over the three modes, so that a changing machine load hits them alike.
                Forward fwd = new Forward(base, root);
                for (int i = 0; i < 5; i++) {
                    fwd.ms(null, null);
                }
                double[][] ms = new double[3][forwards];
                for (int i = 0; i < forwards; i++) {
                    ms[0][i] = fwd.ms(null, null);
                    ms[1][i] = fwd.ms(reg, "a0");
                    ms[2][i] = fwd.ms(reg, "a" + (i % count));
                }
                out.printf(Locale.ROOT, "forward (batch 1, 32 source + 8 target tokens): base %.2f ms, same adapter every"
                        + " call %.2f ms, switching adapter every call %.2f ms (medians of %d, interleaved)%n",
                        BenchAdapters.median(ms[0]), BenchAdapters.median(ms[1]), BenchAdapters.median(ms[2]), forwards);
                long u = System.nanoTime();
                reg.unload("a0");
                out.printf(Locale.ROOT, "unload: %.2f ms%n", (System.nanoTime() - u) / 1e6);
            }
            out.flush();
        } finally {
            AtomicFiles.deleteRecursively(work);
        }
        return 0;
    }

    /** One timed teacher-forced forward of a fixed batch-1 input. */
    private static final class Forward {
        private final LanguageModel base;
        private final NDManager root;
        private final long[] ids = new long[32];
        private final long[] mask = new long[32];
        private final long[] dec;

        Forward(LanguageModel base, NDManager root) {
            this.base = base;
            this.root = root;
            Random rnd = new Random(1);
            for (int i = 0; i < ids.length; i++) {
                ids[i] = 3 + rnd.nextInt(Math.min(base.vocabSize(), 30000) - 3);
            }
            Arrays.fill(mask, 1);
            dec = Arrays.copyOf(ids, 8);
        }

        /** Milliseconds, with adapter {@code name} of {@code reg} activated (null: the base alone). */
        double ms(AdapterRegistry reg, String name) {
            try (NDManager m = root.newSubManager()) {
                long s = System.nanoTime();
                ForwardContext ctx = ForwardContext.inference(m);
                AdapterBatch b = reg == null ? null : reg.batch(name);
                try {
                    if (b != null) {
                        ctx = b.attach(ctx);
                    }
                    TaskForward.logits(base, ctx, m.create(ids, new Shape(1, 32)), m.create(mask,
                            new Shape(1, 32)), m.create(dec, new Shape(1, 8))).toFloatArray();
                } finally {
                    if (b != null) {
                        b.close();
                    }
                }
                return (System.nanoTime() - s) / 1e6;
            }
        }
    }
}
