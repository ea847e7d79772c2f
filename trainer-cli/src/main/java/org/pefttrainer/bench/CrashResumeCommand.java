package org.pefttrainer.bench;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.pefttrainer.core.config.ConfigLoader;
import org.pefttrainer.core.io.AtomicFiles;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code peft bench crash-resume}: the long run of {@link CrashResume}. */
@Command(name = "crash-resume", mixinStandardHelpOptions = true,
        description = {"Kills a real `peft train` process with SIGKILL --kills times (at random moments, during"
                + " checkpoint writes, after metrics lines), resumes it each time, and compares metrics.jsonl and the"
                + " adapter bytes with an uninterrupted run. Exit 1 when they differ.",
            "Example: peft bench crash-resume --kills 20"})
public final class CrashResumeCommand implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--kills", defaultValue = "20", description = "Kill points (default: ${DEFAULT-VALUE}).")
    int kills;

    @Option(names = "--epochs", defaultValue = "12", description = "Epochs of 6 updates each (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the kill moments (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--data", paramLabel = "DIR", description = "Dialogue dataset folder (default: the project's data/dialogues).")
    Path data;

    @Option(names = "--keep", description = "Keep the work folder (model, runs, logs) and print where it is.")
    boolean keep;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Path dataDir = data != null ? data : ConfigLoader.projectRoot().resolve("data/dialogues");
        Path work = Files.createTempDirectory("peft-crash");
        try {
            out.println("bench crash-resume: " + kills + " SIGKILLs of peft train (LoRA on the tiny model, " + 6 * epochs
                    + " updates, a checkpoint every 2, ROUGE every 6), work folder " + work);
            out.flush();
            CrashResume.Report r = new CrashResume(work, dataDir, out).run(kills, epochs, seed);
            long during = r.kills().stream().filter(CrashResume.Kill::checkpointBeingWritten).count();
            out.printf(Locale.ROOT, "bench crash-resume: %d kills (%d during a checkpoint write) over %d attempts in"
                    + " %.0f s; metrics.jsonl (%d lines) equal: %s; adapter bytes equal: %s%s%n", r.kills().size(),
                    during, r.attempts(), r.seconds(), r.metricLines(), r.metricsEqual(), r.adapterEqual(),
                    r.difference() == null ? "" : "; first difference: " + r.difference());
            out.flush();
            return r.ok() ? 0 : 1;
        } finally {
            if (keep) {
                out.println("kept " + work);
            } else {
                AtomicFiles.deleteRecursively(work);
            }
        }
    }
}
