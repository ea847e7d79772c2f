package org.pefttrainer.bench;

import java.io.IOException;
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
 * {@code peft bench contention}: what a second training on the same cores costs. PyTorch's OpenMP threads spin while
 * they wait for work (OMP_WAIT_POLICY=ACTIVE, its default), so two processes on 2 cores each burn the cores the other
 * needs (unset, OpenMP spins a while before it sleeps); with PASSIVE (what ./peft and the tests set) waiting threads
 * sleep. For each policy: the wall time of one
 * training alone, of two started together, and the ratio (2 would be a fair share).
 */
@Command(name = "contention", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Wall time of one `peft train` alone and of two at once on the same cores, with PyTorch's"
                + " OpenMP threads spinning (OMP_WAIT_POLICY=ACTIVE) and sleeping (PASSIVE, the launcher's setting).",
            "Example: peft bench contention --steps 150"})
public final class ContentionBenchCommand implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "Training config (default: configs/default.conf).")
    Path config;

    @Option(names = "--steps", defaultValue = "150", description = "Steps of each training (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--policies", split = ",", defaultValue = "unset,PASSIVE",
            description = "OMP_WAIT_POLICY values to measure; unset: OpenMP's own default, as a user without ./peft"
                    + " runs (default: ${DEFAULT-VALUE}).")
    List<String> policies;

    @Override
    public Integer call() throws Exception {
        Path cfg = config != null ? config : ConfigLoader.defaultConfigFile().orElseThrow(() -> new UserException(
                "configs/default.conf not found: give --config"));
        Path work = Files.createTempDirectory("bench-contention");
        var out = spec.commandLine().getOut();
        try {
            // The first run also creates the default's tiny model if it is missing, so that the pairs never race.
            run(cfg, work, "warmup", "PASSIVE", 1);
            out.printf("peft train %s train.max_steps=%d eval.every_epoch=false, on %d cores%n", cfg, steps,
                    Runtime.getRuntime().availableProcessors());
            for (String policy : policies) {
                double alone = run(cfg, work, policy + "-alone", policy, 1)[0];
                double[] pair = run(cfg, work, policy + "-pair", policy, 2);
                double worst = Math.max(pair[0], pair[1]);
                out.printf(Locale.ROOT, "OMP_WAIT_POLICY %-7s alone %6.1f s; two at once %6.1f s and %6.1f s: %.2fx"
                        + " the time alone (2.00x is a fair share)%n", policy, alone, pair[0], pair[1], worst / alone);
                out.flush();
            }
        } finally {
            AtomicFiles.deleteRecursively(work);
        }
        return 0;
    }

    /** Starts {@code n} trainings together and returns each one's wall seconds. */
    private double[] run(Path cfg, Path work, String name, String policy, int n) throws IOException,
            InterruptedException {
        List<Process> ps = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            List<String> cmd = PeftChild.command(List.of("-Dpeft.home=" + ConfigLoader.projectRoot()), List.of("train",
                    cfg.toString(), "train.max_steps=" + steps, "eval.every_epoch=false", "run.output_dir=" + work,
                    "run.name=" + name + "-" + i));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(work.resolve(name + "-" + i + ".log").toFile());
            if (policy.equals("unset")) {
                pb.environment().remove("OMP_WAIT_POLICY");
            } else {
                pb.environment().put("OMP_WAIT_POLICY", policy);
            }
            pb.environment().put("PEFT_PROGRESS", "lines");
            ps.add(pb.start());
        }
        double[] seconds = new double[n];
        for (int i = 0; i < n; i++) {
            int rc = ps.get(i).waitFor();
            seconds[i] = (System.nanoTime() - t0) / 1e9;
            if (rc != 0) {
                throw new IllegalStateException("training " + name + "-" + i + " failed (rc " + rc + "); see "
                        + work.resolve(name + "-" + i + ".log"));
            }
        }
        return seconds;
    }
}
